"""Training and validation samples from the lookout-smoke (Pascal VOC) and CCTV fire/smoke (YOLO txt) sets.

HPWREN frames are split by the camera-view-disjoint ``split.csv`` (never at random: neighbouring minutes of
one camera leak). Unannotated HPWREN frames are *not* smoke-free by default — sequences run from before to
after ignition and only some smoke frames carry boxes — so they become negatives only through
:mod:`negatives`.
The CCTV set's own valid/test splits share videos with its train split: its numbers are reported apart and
labelled as such.
"""

from __future__ import annotations

import csv
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from firegrid.errors import InputError
from firegrid.training.negatives import hard_negatives

log = logging.getLogger(__name__)

Split = Literal["train", "val"]
Role = Literal["positive", "negative"]
Source = Literal["hpwren", "cctv", "drone", "field", "photos"]
CCTV_CLASSES = {0: "fire", 2: "smoke"}  # 1 = "default": unclear in the source, its images are dropped


@dataclass
class Sample:
    """One image with its boxes (image pixels, xyxy) and class names."""

    path: Path
    source: Source
    split: Split
    role: Role
    boxes: NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    labels: list[str] = field(default_factory=list)
    view: int | None = None
    order: int = 0  # position in its view's sequence (HPWREN), frame number (drone)
    group: str = ""  # video / camera preset the frame belongs to (drone, field); package (photos)


@dataclass
class Samples:
    """All samples of a run, with accessors per split and source."""

    items: list[Sample]

    def select(self, split: Split, source: str | None = None, role: Role | None = None) -> list[Sample]:
        """Samples of one split (and optionally one source and role)."""
        return [
            s
            for s in self.items
            if s.split == split
            and (source is None or s.source == source)
            and (role is None or s.role == role)
        ]


def read_voc(path: Path) -> tuple[NDArray[np.float32], list[str]]:
    """Boxes and names of a Pascal VOC annotation."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise InputError(f"{path}: not a readable Pascal VOC file: {exc}") from exc
    boxes, names = [], []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        name = (obj.findtext("name") or "").strip().lower()
        if bb is None or not name:
            raise InputError(f"{path}: object without name or bndbox")
        boxes.append([float(bb.findtext(k) or "nan") for k in ("xmin", "ymin", "xmax", "ymax")])
        names.append(name)
    array = np.array(boxes, np.float32).reshape(-1, 4)
    if not np.isfinite(array).all():
        raise InputError(f"{path}: non-numeric box coordinates")
    return array, names


def read_yolo(path: Path, width: int, height: int) -> tuple[NDArray[np.float32], list[int]]:
    """Boxes (image pixels) and class ids of a YOLO txt label file."""
    boxes, ids = [], []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise InputError(f"{path}:{n}: expected 'class cx cy w h', got {line!r}")
        cls, cx, cy, w, h = int(parts[0]), *map(float, parts[1:])
        boxes.append(
            [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height]
        )
        ids.append(cls)
    return np.array(boxes, np.float32).reshape(-1, 4), ids


def hpwren_samples(root: Path, margin: int, review: Path | None) -> list[Sample]:
    """Annotated frames (positives) and reviewed/rule negatives of the lookout-smoke set."""
    split_file = root / "split.csv"
    if not split_file.is_file():
        raise InputError(f"{root}: no split.csv (expected the hpwren_smoke layout)")
    with split_file.open() as f:
        rows = list(csv.DictReader(f))
    negatives = hard_negatives(rows, margin, review)
    out = []
    for row in rows:
        stem, split = row["stem"], row["split"]
        image = root / "images" / f"{stem}.jpeg"
        common = {"path": image, "source": "hpwren", "split": split, "view": int(row["view_cluster"])}
        if row["annotated_smoke_box"] == "1":
            boxes, names = read_voc(root / "annotations" / f"{stem}.xml")
            out.append(Sample(role="positive", boxes=boxes, labels=names, **common))  # type: ignore[arg-type]
        elif stem in negatives:
            out.append(Sample(role="negative", order=negatives[stem], **common))  # type: ignore[arg-type]
    return out


def cctv_samples(root: Path) -> list[Sample]:
    """CCTV fire/smoke frames; images with the unclear ``default`` class are dropped."""
    out = []
    for folder, split in (("train", "train"), ("valid", "val"), ("test", "val")):
        for label in sorted((root / folder / "labels").glob("*.txt")):
            image = root / folder / "images" / f"{label.stem}.jpg"
            if not image.is_file():
                log.warning("%s: no image for this label file; skipped", label)
                continue
            boxes, ids = read_yolo(label, *image_size(image))
            if any(i not in CCTV_CLASSES for i in ids):
                continue
            role: Role = "positive" if ids else "negative"
            names = [CCTV_CLASSES[i] for i in ids]
            out.append(Sample(image, "cctv", split, role, boxes, names))  # type: ignore[arg-type]
    return out


def image_size(image: Path) -> tuple[int, int]:
    """Width and height from the image header."""
    try:
        with Image.open(image) as img:
            return img.size
    except OSError as exc:
        raise InputError(f"{image}: not a readable image: {exc}") from exc
