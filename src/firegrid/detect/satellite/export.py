"""Build the per-pixel ONNX graphs and their manifests (used by scripts/build_fire_models.py).

The active-fire tests, the bare-soil indices/masks and the site-camera surface classes
are exported the same way: the equations in ``equations``, ``detect.dust.indices`` and
``detect.dust.cover`` traced into ONNX.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firegrid.detect.dust import cover, indices
from firegrid.detect.satellite import equations
from firegrid.detect.satellite.expr import OnnxBuilder


@dataclass(frozen=True)
class GraphSpec:
    """One exported graph."""

    name: str
    version: str
    sensor: str
    bands: list[str]
    equation: Callable[[Mapping[str, Any], Any], Mapping[str, Any]]
    thresholds: Mapping[str, float]
    reflectance: str
    reference: str
    kind: str = "per-pixel fire tests"
    extra: Mapping[str, Any] = field(default_factory=dict)


SPECS = [
    GraphSpec(
        "landsat-schroeder2016",
        "1.0.0",
        "landsat",
        ["b1", "b2", "b3", "b4", "b5", "b6", "b7"],
        equations.schroeder,
        equations.SCHROEDER,
        "TOA, not sun-corrected",
        "Schroeder et al. 2016, RSE 185:210-220, doi:10.1016/j.rse.2015.08.032",
    ),
    GraphSpec(
        "landsat-goli2018",
        "1.0.0",
        "landsat",
        ["b2", "b3", "b4", "b5", "b6", "b7"],
        equations.goli,
        equations.GOLI,
        "TOA, sun-corrected",
        "Kumar & Roy 2018, IJDE 11(2):154-178, doi:10.1080/17538947.2017.1391341",
    ),
    GraphSpec(
        "sentinel2-hotmap",
        "1.0.0",
        "sentinel2",
        ["b8a", "b11", "b12"],
        equations.hotmap_s2,
        equations.HOTMAP_S2,
        "TOA (L1C) or BOA (L2A) reflectance",
        "Murphy et al. 2016, RSE 177, doi:10.1016/j.rse.2016.02.027; S2 port as in Fusioka et al. 2024",
    ),
    GraphSpec(
        "bare-soil-indices",
        "1.0.0",
        "sentinel2,landsat",
        list(indices.GENERIC),
        indices.bare_soil,
        indices.MASKS,
        "TOA (sun-corrected) or BOA reflectance",
        "BSI Rikimaru et al. 2002; NDVI Rouse 1974; MNDWI Xu 2006; NDBI Zha et al. 2003; "
        "MBI Nguyen et al. 2021 (Land 10:231); cloud/snow tests Zhu & Woodcock 2012 (Fmask, RSE 118)",
        kind="per-pixel bare-soil indices and sky/water masks",
        extra={"band_maps": indices.BAND_MAPS},
    ),
    GraphSpec(
        "site-cover-colour",
        "1.0.0",
        "camera-rgb",
        ["red", "green", "blue"],
        cover.site_cover,
        cover.COVER,
        "camera RGB in 0..1",
        "colour rule (chromaticity + saturation) for bare soil / green dust net / hardened surface; "
        "a baseline to be replaced by a learned segmentation model",
        kind="per-pixel site surface classes (camera images)",
    ),
]


def build(spec: GraphSpec) -> tuple[bytes, dict[str, Any]]:
    """The serialised graph and its manifest."""
    metadata = {"name": spec.name, "version": spec.version, "thresholds": json.dumps(dict(spec.thresholds))}
    model = OnnxBuilder().build(spec.equation, spec.bands, spec.name, spec.reference, metadata)
    data = model.SerializeToString()
    manifest = {
        "name": spec.name,
        "version": spec.version,
        "kind": spec.kind,
        "sensor": spec.sensor,
        "file": f"{spec.name}.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "inputs": spec.bands,
        "input_layout": "one float32 [H, W] reflectance array per band",
        "outputs": [o.name for o in model.graph.output],
        "thresholds": dict(spec.thresholds),
        "reflectance": spec.reflectance,
        "reference": spec.reference,
        "opset": 17,
        "licence": "Apache-2.0 (firegrid); thresholds from the cited publication",
        "built_by": "scripts/build_fire_models.py",
        **spec.extra,
    }
    return data, manifest


def write_all(out: Path) -> list[dict[str, Any]]:
    """Write every graph and manifest into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    manifests = []
    for spec in SPECS:
        data, manifest = build(spec)
        (out / manifest["file"]).write_bytes(data)
        (out / f"{spec.name}.json").write_text(json.dumps(manifest, indent=2) + "\n")
        manifests.append(manifest)
    return manifests
