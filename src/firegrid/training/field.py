"""A county's own frames: the folder ``firegrid model dataset export`` writes, read back for training.

``index.csv`` has one row per reviewed alarm frame: ``stem, kind, camera, preset, seen_at, class, score,
x1, y1, x2, y2, width, height, verdict, label, split, event_id`` and the frame is ``images/<stem>.jpg``.
``label`` is the training label the verdict gives: a class name (查实: the box holds that class) or ``none``
(查否: nothing to find there — a hard negative, the frame without boxes). ``split`` was fixed at export
(the latest frames of each camera preset are validation), so retraining never leaks one preset's
neighbouring frames across splits.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from firegrid.errors import InputError
from firegrid.services.field_dataset import NEGATIVE
from firegrid.training.datasets import Sample

log = logging.getLogger(__name__)


def field_samples(root: Path, classes: list[str]) -> list[Sample]:
    """Samples of an exported folder; a row with an unknown label or split is named and skipped."""
    index = root / "index.csv"
    if not index.is_file():
        raise InputError(f"{root}: no index.csv (expected a `firegrid model dataset export` folder)")
    out = []
    with index.open(encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), 2):
            try:
                out.append(_sample(root, row, classes))
            except (InputError, KeyError, ValueError) as exc:
                log.warning("%s:%d: %s; row skipped", index, n, exc)
    return out


def _sample(root: Path, row: dict[str, str], classes: list[str]) -> Sample:
    label, split = row["label"].strip(), row["split"].strip()
    if split not in ("train", "val"):
        raise InputError(f"split must be train or val, got {split!r}")
    image = root / "images" / f"{row['stem']}.jpg"
    if not image.is_file():
        raise InputError(f"{image} is missing")
    group = f"{row['camera']}/{row['preset']}"
    if label == NEGATIVE:
        return Sample(image, "field", split, "negative", group=group)  # type: ignore[arg-type]
    if label not in classes:
        raise InputError(f"label {label!r} is neither {NEGATIVE!r} nor one of {classes}")
    box = np.array([[float(row[k]) for k in ("x1", "y1", "x2", "y2")]], np.float32)
    if not np.isfinite(box).all() or box[0, 2] <= box[0, 0] or box[0, 3] <= box[0, 1]:
        raise InputError(f"box {box[0].tolist()} is not a box")
    return Sample(image, "field", split, "positive", box, [label], group=group)  # type: ignore[arg-type]
