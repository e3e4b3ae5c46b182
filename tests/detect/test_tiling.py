"""Resolution-aware inference: tiles of the manifest's size plus the whole frame, merged across tiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.colour_baseline import build
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.objects.slicer import merge, tiles


def colour_model(folder: Path, slice_size: int | None, role: str = "detector") -> ObjectModel:
    """The flame-colour graph at 320 px input, with a chosen tiling (a stand-in learned detector)."""
    data, manifest = build(320, "flames")
    (folder / manifest["file"]).write_bytes(data)
    manifest |= {"slice_size": slice_size, "slice_overlap": 0.2, "slice_whole": True, "role": role}
    (folder / "flames.json").write_text(json.dumps(manifest))
    return ObjectModel(folder, "flames")


def frame_with_flame(width: int, height: int, x: int, y: int, size: int) -> np.ndarray:
    image = np.full((height, width, 3), 60, np.uint8)
    image[y : y + size, x : x + size] = (30, 150, 250)  # BGR flame colour
    return image


def test_a_small_object_in_a_large_frame_needs_tiles(tmp_path: Path) -> None:
    model = colour_model(tmp_path, 640)
    image = frame_with_flame(1920, 1080, 1210, 700, 40)  # 0.08 % of the frame
    tiled = model.detect(image)
    assert model.timings.passes == 9  # 4 x 2 tiles of 640 px at 20 % overlap + the whole frame
    assert len(tiled) and tiled.xyxy[:, 0].min() < 1250 < tiled.xyxy[:, 2].max()
    assert len(model.detect(image, slice_size=0)) == 0  # shrunk whole: 7 px in a 32 px cell, too faint
    assert model.timings.passes == 1


def test_frames_that_fit_one_tile_and_whole_frame_models_run_once(tmp_path: Path) -> None:
    model = colour_model(tmp_path, 640)
    model.detect(frame_with_flame(640, 480, 100, 100, 80))
    assert model.timings.passes == 1
    whole = colour_model(tmp_path, 0)
    whole.detect(frame_with_flame(1920, 1080, 100, 100, 80))
    assert whole.timings.passes == 1


def test_a_large_object_cut_by_tile_borders_is_one_box() -> None:
    parts = Boxes(
        np.array([[500, 100, 900, 400], [500, 100, 640, 400], [512, 120, 900, 380]], np.float32),
        np.array([0.9, 0.6, 0.7], np.float32),
        np.zeros(3, np.int64),
    )
    merged = merge(parts, 0.45)
    assert len(merged) == 1 and merged.score.tolist() == [pytest.approx(0.9)]
    other_class = Boxes(parts.xyxy[:2], parts.score[:2], np.array([0, 1], np.int64))
    assert len(merge(other_class, 0.45)) == 2  # smoke inside a fire box is a different finding
    assert tiles(3840, 2160, 640, 0.2)[-1] == (3200, 1520, 3840, 2160)


def test_tiles_meet_their_own_thresholds(tmp_path: Path) -> None:
    model = colour_model(tmp_path, 640)
    small = frame_with_flame(1920, 1080, 1210, 700, 40)  # seen only in a tile
    large = frame_with_flame(1920, 1080, 800, 300, 400)  # seen by the whole-frame pass too
    model.manifest = model.manifest.model_copy(update={"slice_thresholds": {"fire": 1.01}})
    assert len(model.detect(small)) == 0
    assert len(model.detect(large)) >= 1
    assert model.manifest.threshold(0) == 0.3 and model.manifest.threshold(0, tile=True) == 1.01
