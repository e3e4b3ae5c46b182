"""The committed smoke-fire model: the file its manifest names, run by the runtime, boxes on real frames."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from firegrid.detect.objects.boxes import iou_matrix
from firegrid.detect.objects.model import ObjectManifest
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.training.datasets import read_voc
from firegrid.training.synthetic import cut_plume, paste
from tests.cli.test_cli import firegrid

MODELS = default_models_dir()
LOOKOUT = "camera/hpwren_smoke/images/ck0t4z1yrkmfv0794t2oqhd3f.jpeg"  # a val view: never trained on
LOOKOUT_XML = "camera/hpwren_smoke/annotations/ck0t4z1yrkmfv0794t2oqhd3f.xml"
CCTV = "camera/fire_smoke_cctv/valid/images/fire2_mp4-38_jpg.rf.f12dc3251a5f477aa44ebefbb78dc4d9.jpg"


def test_manifest_matches_the_committed_file() -> None:
    manifest = ObjectManifest.model_validate(json.loads((MODELS / "smoke-fire.json").read_text()))
    assert hashlib.sha256((MODELS / manifest.file).read_bytes()).hexdigest() == manifest.sha256
    assert manifest.classes == ["smoke", "fire"] and manifest.layout == "ultralytics"
    assert manifest.input.width == 320 and manifest.slice_size == 640 and manifest.slice_whole
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


SMALL_PLUME = "ck0na9q14gaaa0a46ghbnn940"  # a validation plume (a view never trained on)
BACKGROUND = [  # validation negatives of other views
    "ck0k98v2i79cf0944a0b4fur7",
    "ck0kcyo4bj1xq0a46pl5oeoda",
    "ck0kdu01oj4cv0a46c2dml8v3",
    "ck0khta66kxf30848qiulqo61",
    "ck0kl3lwgk7v60a4641852x92",
    "ck0kmq2cmlo2u0848av0wm0m6",
]


@pytest.mark.shared_data
def test_a_small_plume_in_a_full_resolution_frame_is_found_only_with_tiles(
    tmp_path: Path, shared_data: Path
) -> None:
    """A real plume at 0.05 % of a 3072 x 2048 frame: the shipped defaults (tiles + whole frame) find it,
    the same weights on the whole frame alone do not — the information is there only at the tile scale."""
    root = shared_data / "camera/hpwren_smoke"
    frame = np.zeros((2048, 3072, 3), np.uint8)
    backgrounds = [cv2.imread(str(root / "images" / f"{stem}.jpeg")) for stem in BACKGROUND]
    for k, (y, x) in enumerate((y, x) for y in range(0, 2048, 480) for x in range(0, 3072, 640)):
        tile = backgrounds[k % len(backgrounds)]
        frame[y : y + 480, x : x + 640] = tile[: 2048 - y, : 3072 - x]
    plume_image = cv2.imread(str(root / "images" / f"{SMALL_PLUME}.jpeg"))
    truth, _ = read_voc(root / "annotations" / f"{SMALL_PLUME}.xml")
    frame, box = paste(frame, cut_plume(plume_image, truth[0]), 0.0005, (0.55, 0.62))
    assert (box[2] - box[0]) * (box[3] - box[1]) / (3072 * 2048) == pytest.approx(0.0005, rel=0.05)
    path = tmp_path / "tower-3072x2048.png"
    cv2.imwrite(str(path), frame)

    def smoke_on_plume(*options: str) -> bool:
        out = json.loads(firegrid(tmp_path, "detect-image", str(path), *options, "--json").stdout)
        smoke = [[b["x1"], b["y1"], b["x2"], b["y2"]] for b in out["boxes"] if b["class"] == "smoke"]
        return bool(smoke) and float(iou_matrix(np.array(smoke, np.float32), box[None]).max()) >= 0.1

    assert smoke_on_plume()  # the shipped defaults
    assert not smoke_on_plume("--slice-size", "0")  # whole frame only: the plume is ~8 x 4 px at 320
