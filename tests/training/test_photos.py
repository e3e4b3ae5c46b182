"""Everyday photos as training negatives: the reviewed list, missing packages, their place in an epoch."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from firegrid.errors import InputError
from firegrid.training.batches import epoch_plan
from firegrid.training.config import TrainConfig
from firegrid.training.datasets import Sample
from firegrid.training.everyday import PHOTOS
from firegrid.training.photos import photo_samples

REPO = Path(__file__).parents[2]
LISTING = REPO / "training" / "review" / "everyday-negatives.csv"


def _listing(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "photos.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "package", "shows"])
        w.writerows(rows)
    return path


def test_installed_photos_are_negatives_missing_ones_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    photo = tmp_path / "orange.jpg"
    cv2.imwrite(str(photo), np.full((40, 60, 3), (0, 128, 255), np.uint8))
    listing = _listing(
        tmp_path, [(str(photo), "opencv-doc", "orange"), ("/nonexistent/a.jpg", "ukui-wallpapers", "render")]
    )
    with caplog.at_level(logging.WARNING):
        samples = photo_samples(listing)
    assert [(s.path, s.source, s.split, s.role, s.group) for s in samples] == [
        (photo, "photos", "train", "negative", "opencv-doc")
    ]
    assert "ukui-wallpapers" in caplog.text and "install_training_photos" in caplog.text


def test_a_list_without_its_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("file,what\n/a.jpg,x\n")
    with pytest.raises(InputError, match=r"bad\.csv.*path, package, shows"):
        photo_samples(bad)


def test_every_photo_is_in_every_epoch_repeated_and_apart_from_the_drawn_negatives() -> None:
    photos = [Sample(Path(f"/p/{i}.jpg"), "photos", "train", "negative") for i in range(3)]
    negatives = [Sample(Path(f"/n/{i}.jpg"), "hpwren", "train", "negative") for i in range(10)]
    positives = [Sample(Path("/c/0.jpg"), "cctv", "train", "positive")]
    cfg = TrainConfig.model_validate({"data": {"negatives_per_epoch": 4, "photos_repeat": 2}})
    plan = epoch_plan(photos + negatives + positives, cfg, np.random.default_rng(0))
    assert sorted(str(s.path) for s in plan if s.source == "photos") == sorted(
        [str(p.path) for p in photos] * 2
    )
    assert sum(s.source == "hpwren" for s in plan) == 4 and len(plan) == 6 + 4 + 1


def test_the_shipped_list_is_reviewed_and_apart_from_the_evaluation_photos() -> None:
    with LISTING.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 50 and len({r["path"] for r in rows}) == len(rows)
    assert {r["package"] for r in rows} <= {
        "opencv-doc",
        "mate-backgrounds",
        "plasma-workspace-wallpapers",
        "ukui-wallpapers",
    }
    assert all(r["shows"] for r in rows)
    evaluation = {Path(inside).name for _, inside, _ in PHOTOS}
    assert not evaluation & {Path(r["path"]).name for r in rows}


def test_photos_teach_only_their_classes() -> None:
    torch = pytest.importorskip("torch", reason="the train extra (torch) is not installed")
    from firegrid.training.batches import class_weights
    from firegrid.training.targets import focal_loss

    cfg = TrainConfig.model_validate({"data": {"photos_classes": ["fire"]}})
    photo = Sample(Path("/p.jpg"), "photos", "train", "negative")
    lookout = Sample(Path("/l.jpg"), "hpwren", "train", "negative")
    assert class_weights(photo, cfg).tolist() == [0.0, 1.0]
    assert class_weights(lookout, cfg).tolist() == [1.0, 1.0]
    logits = torch.randn(2, 2, 8, 8)
    target = torch.zeros(2, 2, 8, 8)
    weight = torch.tensor([[0.0, 1.0], [1.0, 1.0]])
    expected = focal_loss(logits[:1, 1:], target[:1, 1:]) + focal_loss(logits[1:], target[1:])
    assert float(focal_loss(logits, target, weight)) == pytest.approx(float(expected), rel=1e-6)


def test_distillation_holds_only_the_weighted_channels() -> None:
    torch = pytest.importorskip("torch", reason="the train extra (torch) is not installed")
    from firegrid.training.targets import distill_loss

    teacher = torch.zeros(2, 2, 4, 4)
    student = teacher.clone()
    ones = torch.ones(2, 2)
    assert float(distill_loss(student, teacher, ones)) == 0.0
    student[0, 1, 0, 0] = 10.0  # frame 0, class 1: probability 0.5 -> ~1
    assert float(distill_loss(student, teacher, ones)) == pytest.approx(0.5**2 / 2, rel=1e-3)
    assert float(distill_loss(student, teacher, torch.tensor([[1.0, 0.0], [1.0, 1.0]]))) == 0.0
