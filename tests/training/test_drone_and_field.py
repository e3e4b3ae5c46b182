"""The drone set's split by frame number, and field datasets read back for training."""

from __future__ import annotations

from pathlib import Path

import pytest

from firegrid.services.field_dataset import COLUMNS
from firegrid.training.drone import assign_splits, drone_samples, series_key
from firegrid.training.field import field_samples

DRONE = "drone/pileburn_yolo_train"


def test_series_keys_of_roboflow_names() -> None:
    assert series_key("1-Zenmuse_X4S_1_1_mp4-1000_jpg.rf.ea5") == ("1-Zenmuse_X4S_1_1_mp4", 1000)
    assert series_key("fire-10-_png_jpg.rf.3a") == ("fire", 10)
    assert series_key("fire-1083-75102939_png.rf.2a") == ("fire", 1083)
    assert series_key("yt-M97sJdyeEM4-0001_jpg.rf.56") == ("yt-M97sJdyeEM4", 1)
    assert series_key("Chimney-Fire3_jpg.rf.9e")[1] is None  # a single photo


def test_a_contiguous_block_is_held_out_with_a_guard_band() -> None:
    stems = [f"v_mp4-{n}_jpg.rf.x" for n in range(0, 100, 2)] + ["photo_jpg.rf.y", "s-1_jpg.rf.z"]
    splits = assign_splits(stems, holdout=0.2, guard=0.1, min_series=10)
    val = sorted(series_key(s)[1] or 0 for s, v in splits.items() if v == "val")
    train = sorted(series_key(s)[1] or 0 for s, v in splits.items() if v == "train" and "v_mp4" in s)
    assert val == list(range(80, 100, 2))  # the last 20 % of the frames
    assert max(train) < 80 - 9.8  # nothing within the guard band (10 % of the number span) before it
    assert splits["photo_jpg.rf.y"] == "train" and splits["s-1_jpg.rf.z"] == "train"


@pytest.mark.shared_data
def test_the_real_drone_set_splits_by_frame_number(shared_data: Path) -> None:
    samples = drone_samples(shared_data / DRONE)
    video = [s for s in samples if s.group.endswith("_mp4")]
    val = [s.order for s in video if s.split == "val"]
    train = [s.order for s in video if s.split == "train"]
    assert len(val) >= 50 and min(val) > max(train) + 20  # near-duplicate neighbours never straddle
    held = [s for s in samples if s.split == "val"]
    assert 0.15 < len(held) / len(samples) < 0.25
    assert {label for s in held for label in s.labels} == {"fire", "smoke"}


def test_field_exports_read_back(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    for stem in ("camera-1", "camera-2", "camera-3"):
        (tmp_path / "images" / f"{stem}.jpg").write_bytes(b"jpeg")
    base = dict.fromkeys(COLUMNS, "")
    rows = [
        base | {"stem": "camera-1", "camera": "t1", "preset": "p", "label": "smoke", "split": "train",
                "x1": "10", "y1": "20", "x2": "50", "y2": "60"},
        base | {"stem": "camera-2", "camera": "t1", "preset": "p", "label": "none", "split": "val"},
        base | {"stem": "camera-3", "camera": "t1", "preset": "p", "label": "steam", "split": "train"},
        base | {"stem": "camera-4", "camera": "t1", "preset": "p", "label": "none", "split": "train"},
    ]  # fmt: skip
    lines = [",".join(COLUMNS)] + [",".join(str(r[c]) for c in COLUMNS) for r in rows]
    (tmp_path / "index.csv").write_text("\n".join(lines) + "\n")
    samples = field_samples(tmp_path, ["smoke", "fire"])
    assert [(s.role, s.split, s.labels) for s in samples] == [
        ("positive", "train", ["smoke"]),
        ("negative", "val", []),
    ]  # an unknown label and a missing image are named in the log and skipped
    assert samples[0].boxes.tolist() == [[10, 20, 50, 60]] and samples[0].group == "t1/p"
