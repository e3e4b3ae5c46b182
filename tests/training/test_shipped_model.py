"""The committed smoke-fire model: the file its manifest names, run by the runtime, boxes on real frames."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.objects.boxes import iou_matrix
from firegrid.detect.objects.model import ObjectManifest
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.training.datasets import read_voc
from tests.cli.test_cli import firegrid

MODELS = default_models_dir()
LOOKOUT = "camera/hpwren_smoke/images/ck0t4z1yrkmfv0794t2oqhd3f.jpeg"  # a val view: never trained on
LOOKOUT_XML = "camera/hpwren_smoke/annotations/ck0t4z1yrkmfv0794t2oqhd3f.xml"
CCTV = "camera/fire_smoke_cctv/valid/images/fire2_mp4-38_jpg.rf.f12dc3251a5f477aa44ebefbb78dc4d9.jpg"


def test_manifest_matches_the_committed_file() -> None:
    manifest = ObjectManifest.model_validate(json.loads((MODELS / "smoke-fire.json").read_text()))
    assert hashlib.sha256((MODELS / manifest.file).read_bytes()).hexdigest() == manifest.sha256
    assert manifest.classes == ["smoke", "fire"] and manifest.layout == "ultralytics"
    assert manifest.input.width == 320 and manifest.slice_size == 0
    assert "CC BY-NC-SA 4.0" in manifest.licence
    assert all(0.05 <= t <= 0.95 for t in manifest.thresholds.values())  # chosen, not a default


@pytest.mark.shared_data
def test_detect_image_finds_lookout_smoke_and_cctv_fire(tmp_path: Path, shared_data: Path) -> None:
    paths = [str(shared_data / LOOKOUT), str(shared_data / CCTV)]
    out = firegrid(tmp_path, "detect-image", *paths, "--model", "smoke-fire", "--json").stdout
    lookout, cctv = (json.loads(line) for line in out.strip().splitlines())
    truth, _ = read_voc(shared_data / LOOKOUT_XML)
    smoke = np.array(
        [[b["x1"], b["y1"], b["x2"], b["y2"]] for b in lookout["boxes"] if b["class"] == "smoke"], np.float32
    ).reshape(-1, 4)
    assert len(smoke) and iou_matrix(smoke, truth).max() > 0.1, lookout  # on the annotated plume
    assert any(b["class"] == "fire" for b in cctv["boxes"]), cctv
