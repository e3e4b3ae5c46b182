"""The shipped ONNX graphs: rebuilt byte for byte by the script, and equal to numpy on any input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.satellite.export import SPECS, build
from firegrid.detect.satellite.expr import evaluate
from firegrid.detect.satellite.runtime import PixelModel, default_models_dir
from firegrid.errors import ConfigError

MODELS = default_models_dir()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_committed_graph_is_what_the_script_builds(spec) -> None:  # type: ignore[no-untyped-def]
    data, manifest = build(spec)
    committed = json.loads((MODELS / f"{spec.name}.json").read_text())
    assert committed == manifest
    assert hashlib.sha256((MODELS / committed["file"]).read_bytes()).hexdigest() == committed["sha256"]
    assert (MODELS / committed["file"]).read_bytes() == data


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_onnx_equals_numpy(spec) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    bands = {b: rng.uniform(-0.05, 1.7, (300, 300)).astype(np.float32) for b in spec.bands}
    for band in bands.values():
        band[rng.random(band.shape) < 0.02] = 0.0
        band[rng.random(band.shape) < 0.01] = np.nan
    onnx = PixelModel(MODELS, spec.name).run(bands)
    with np.errstate(all="ignore"):
        reference = evaluate(spec.equation, bands)
    assert onnx.keys() == reference.keys()
    for key in onnx:
        floats = onnx[key].dtype.kind == "f"
        assert np.array_equal(onnx[key], reference[key], equal_nan=floats), key  # bit-identical


def test_tampered_graph_is_refused(tmp_path: Path) -> None:
    for suffix in (".onnx", ".json"):
        shutil.copy(MODELS / f"sentinel2-hotmap{suffix}", tmp_path / f"sentinel2-hotmap{suffix}")
    with (tmp_path / "sentinel2-hotmap.onnx").open("ab") as f:
        f.write(b"\x00")
    with pytest.raises(ConfigError, match="sha256"):
        PixelModel(tmp_path, "sentinel2-hotmap").run(
            {b: np.zeros((2, 2), np.float32) for b in ("b8a", "b11", "b12")}
        )
    with pytest.raises(ConfigError, match="not found"):
        PixelModel(tmp_path, "nope")
