"""Sentinel-2 L1C / L2A: SAFE folders (JP2) with their metadata, on the 20 m grid.

Reflectance = (DN + offset) / quantification; processing baseline 04.00 and later
carries RADIO_ADD_OFFSET (L1C) / BOA_ADD_OFFSET (L2A) = -1000 per band.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from firegrid.errors import InputError
from firegrid.imagery.rasters import open_raster
from firegrid.imagery.scene import BandSource, QaSource, Scene

BAND_IDS = ["b01", "b02", "b03", "b04", "b05", "b06", "b07", "b08", "b8a", "b09", "b10", "b11", "b12"]
NATIVE_10M = {"b02", "b03", "b04", "b08"}
SATURATED_DN = 65535


def short_name(band: str) -> str:
    """``b02`` -> ``b2``: scenes name bands as band files do (``b2 ... b8a ... b12``)."""
    return re.sub(r"^b0(?=\d)", "b", band)


def _text(root: ET.Element, tag: str) -> str | None:
    node = root.find(f".//{tag}")
    return node.text.strip() if node is not None and node.text else None


def parse_metadata(path: Path) -> dict[str, object]:
    """Level, baseline, quantification, per-band offsets, time and platform from MTD_MSIL*.xml."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{path.name}: invalid XML ({exc})") from exc
    level = "L2A" if "L2A" in path.name else "L1C"
    quantification = _text(root, "BOA_QUANTIFICATION_VALUE" if level == "L2A" else "QUANTIFICATION_VALUE")
    baseline = _text(root, "PROCESSING_BASELINE") or "00.00"
    offsets: dict[str, float] = {}
    for tag in ("RADIO_ADD_OFFSET", "BOA_ADD_OFFSET"):
        for node in root.iter(tag):
            offsets[BAND_IDS[int(node.attrib["band_id"])]] = float(node.text or 0)
    if not offsets and float(baseline) >= 4.0:
        offsets = dict.fromkeys(BAND_IDS, -1000.0)
    start = _text(root, "PRODUCT_START_TIME")
    return {
        "level": level,
        "baseline": baseline,
        "quantification": float(quantification or 10000),
        "offsets": offsets,
        "acquired_at": datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None,
        "platform": (_text(root, "SPACECRAFT_NAME") or "Sentinel-2"),
        "product": _text(root, "PRODUCT_URI"),
    }


_BAND_FILE = re.compile(r"_(B0[1-9]|B1[0-2]|B8A|SCL)(?:_(\d+)m)?\.jp2$", re.IGNORECASE)


def _band_files(safe: Path) -> dict[str, dict[int, Path]]:
    files: dict[str, dict[int, Path]] = {}
    for path in safe.glob("GRANULE/*/IMG_DATA/**/*.jp2"):
        match = _BAND_FILE.search(path.name)
        if match:
            name = match.group(1).lower()
            resolution = int(match.group(2) or (10 if name in NATIVE_10M else 20 if name != "b01" else 60))
            files.setdefault(name, {})[resolution] = path
    return files


def open_safe(safe: Path, metadata_file: Path, resolution: int = 20) -> Scene:
    """A Sentinel-2 SAFE product on its 20 m grid (10 m bands averaged 2x2), or on the 10 m
    grid (``resolution=10``: 20 m bands and SCL repeated 2x2, nearest neighbour)."""
    if resolution not in (10, 20):
        raise InputError(f"Sentinel-2 scenes are read at 10 or 20 m, not {resolution} m")
    meta = parse_metadata(metadata_file)
    files = _band_files(safe)
    if "b12" not in files:
        raise InputError(f"{safe.name}: no B12 image under GRANULE/*/IMG_DATA")
    grid_file = files["b12"].get(20) or next(iter(files["b12"].values()))
    if resolution == 10:
        if 10 not in files.get("b04", {}):
            raise InputError(f"{safe.name}: no 10 m B04 image for the 10 m grid")
        grid_file = files["b04"][10]
    with open_raster(grid_file) as ds:
        width, height, transform, crs = ds.width, ds.height, ds.transform, ds.crs.to_string()
    q = float(meta["quantification"])  # type: ignore[arg-type]
    offsets: dict[str, float] = meta["offsets"]  # type: ignore[assignment]
    bands = {}
    for name, by_res in files.items():
        if name == "scl":
            continue
        native = resolution if resolution in by_res else 20 if 20 in by_res else min(by_res)
        if native not in (10, 20):
            continue
        bands[short_name(name)] = BandSource(
            str(by_res[native]),
            scale=1.0 / q,
            offset=offsets.get(name, 0.0) / q,
            nodata=0,
            factor=max(1, resolution // native),
            saturation_dn=SATURATED_DN,
            upsample=max(1, native // resolution),
        )
    qa = (
        [QaSource("s2_scl", str(files["scl"][20]), upsample=20 // resolution)]
        if "scl" in files and 20 in files["scl"]
        else []
    )
    return Scene(
        scene_id=str(meta["product"] or safe.name),
        sensor="sentinel2",
        platform=str(meta["platform"]),
        acquired_at=meta["acquired_at"],  # type: ignore[arg-type]
        width=width,
        height=height,
        transform=transform,
        crs=crs,
        bands=bands,
        reflectance="corrected",
        source=str(safe),
        qa=qa,
        notes=[f"{meta['level']} baseline {meta['baseline']}, {resolution} m grid"],
    )
