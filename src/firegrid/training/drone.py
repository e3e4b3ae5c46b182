"""Drone views of pile and field burning (YOLO txt, ``0 fire``, ``1 smoke``), split by frame number.

The set (``drone/pileburn_yolo_train``, a Roboflow export) holds frames of drone videos: consecutive frames
are near-duplicates, so a random split would leak. Every image name carries its video or photo series and a
number (``1-Zenmuse_X4S_1_1_mp4-1000_jpg.rf.<hash>.jpg``, ``fire-1020-_png_jpg.rf...``,
``yt-M97sJdyeEM4-0001_jpg.rf...``). The rule, per series with at least ``min_series`` images:

* the last ``holdout`` share of its numbers (a contiguous block) is validation;
* a guard band of ``guard`` × the series' number span just before that block is left out entirely, so no
  training frame is a near-neighbour of a validation frame;
* the rest trains. Series with fewer images (single photos) train.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path

from firegrid.training.datasets import Sample, image_size, read_yolo

log = logging.getLogger(__name__)

DRONE_CLASSES = {0: "fire", 1: "smoke"}
_NAME = re.compile(r"^(?P<series>.+?)-(?P<number>\d+)(?:-\d+)?$")
_ROBOFLOW = re.compile(r"(?:[-_](?:jpg|jpeg|png))+$")


def series_key(stem: str) -> tuple[str, int | None]:
    """(series, number) of a Roboflow file stem (``<original>_jpg.rf.<hash>``); number None for a photo
    whose name carries no ``-<number>``."""
    original = _ROBOFLOW.sub("", stem.split(".rf.")[0]).rstrip("-_")
    match = _NAME.match(original)
    if match is None:
        return original, None
    return match.group("series"), int(match.group("number"))


def assign_splits(stems: list[str], holdout: float, guard: float, min_series: int) -> dict[str, str | None]:
    """stem → ``train``, ``val`` or None (guard band: left out)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    out: dict[str, str | None] = {}
    for stem in stems:
        series, number = series_key(stem)
        if number is None:
            out[stem] = "train"
        else:
            groups[series].append((number, stem))
    for members in groups.values():
        members.sort()
        if len(members) < min_series:
            out.update({stem: "train" for _, stem in members})
            continue
        numbers = [n for n, _ in members]
        first_val = numbers[len(numbers) - max(1, round(len(numbers) * holdout))]
        band = (numbers[-1] - numbers[0]) * guard
        for number, stem in members:
            if number >= first_val:
                out[stem] = "val"
            elif number >= first_val - band:
                out[stem] = None
            else:
                out[stem] = "train"
    return out


def drone_samples(
    root: Path, holdout: float = 0.2, guard: float = 0.05, min_series: int = 10
) -> list[Sample]:
    """Every labelled drone image with its split (guard-band frames left out)."""
    labels = sorted((root / "labels").glob("*.txt"))
    splits = assign_splits([p.stem for p in labels], holdout, guard, min_series)
    out = []
    for label in labels:
        split = splits[label.stem]
        image = root / "images" / f"{label.stem}.jpg"
        if split is None:
            continue
        if not image.is_file():
            log.warning("%s: no image for this label file; skipped", label)
            continue
        boxes, ids = read_yolo(label, *image_size(image))
        known = [i in DRONE_CLASSES for i in ids]
        names = [DRONE_CLASSES[i] for i in ids if i in DRONE_CLASSES]
        role = "positive" if names else "negative"
        series, number = series_key(label.stem)
        out.append(
            Sample(
                image,
                "drone",
                split,  # type: ignore[arg-type]
                role,  # type: ignore[arg-type]
                boxes[known],
                names,
                order=number or 0,
                group=series,
            )
        )
    return out
