"""Retraining from the field: camera and drone alarms with an inspector's verdict become a dataset.

``firegrid model dataset export --out DIR`` writes ``DIR/images/<stem>.jpg`` (the unmarked frame) and
``DIR/index.csv`` (one row per frame: where and when it was seen, the alarm's class, score and box, the
verdict and the training label), which ``firegrid model train --config`` reads through ``data.field``
alongside the public sets. Labels:

* 查实 (confirmed), or rejected as "already extinguished" (there was a fire): the alarm's class — the box
  is a positive;
* rejected as no fire found, an industrial heat source or other: ``none`` — the frame is a hard negative
  (what the model mistook: chimney steam, a dust road, a cloud bank);
* administrative rejections (outside my area, duplicate) and alarms without a verdict are left out.

The split is fixed here so a retrain never leaks neighbouring frames of one preset: per camera preset (a
drone flight: the image's folder), the latest ``val_share`` of its frames in time are validation. The
frames belong to the county that recorded them; the export carries no third-party licence.
"""

from __future__ import annotations

import csv
import logging
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.cameras.evidence import RAW
from firegrid.store.tables import CameraEvent, DetectionRow, TaskRow
from firegrid.types import SourceKind
from firegrid.workflow import ADMINISTRATIVE, RejectReason, TaskStatus

log = logging.getLogger(__name__)

COLUMNS = (
    "stem",
    "kind",
    "camera",
    "preset",
    "seen_at",
    "class",
    "score",
    "x1",
    "y1",
    "x2",
    "y2",
    "width",
    "height",
    "verdict",
    "label",
    "split",
    "event_id",
)
NEGATIVE = "none"
POSITIVE_REJECTIONS = frozenset({RejectReason.ALREADY_EXTINGUISHED})


@dataclass
class Item:
    """One frame to export, before its split is known."""

    row: dict[str, Any]
    image: Path


def label_for(task: TaskRow, class_name: str) -> str | None:
    """The training label a verdict gives (None: not usable)."""
    if task.verdict == TaskStatus.CONFIRMED.value:
        return class_name
    if task.verdict != TaskStatus.REJECTED.value or task.reason_code in ADMINISTRATIVE:
        return None
    return class_name if task.reason_code in POSITIVE_REJECTIONS else NEGATIVE


def _verdicts(session: Session, kind: SourceKind) -> list[tuple[DetectionRow, TaskRow]]:
    rows = session.execute(
        select(DetectionRow, TaskRow)
        .join(TaskRow, TaskRow.incident_id == DetectionRow.incident_id)
        .where(DetectionRow.source_kind == kind.value, TaskRow.verdict.is_not(None))
        .order_by(DetectionRow.observed_at)
    ).all()
    return [(detection, task) for detection, task in rows]


def _camera_items(session: Session) -> list[Item]:
    items = []
    for detection, task in _verdicts(session, SourceKind.CAMERA):
        event = session.get(CameraEvent, detection.source_row)
        if event is None or event.frame_path is None:
            continue
        label = label_for(task, event.class_name)
        raw = Path(event.frame_path).parent / RAW
        if label is None:
            continue
        if not raw.is_file():
            log.warning("camera event %d: no unmarked frame (%s); left out", event.id, raw)
            continue
        items.append(
            Item(
                _row(
                    f"camera-{event.id}",
                    "camera",
                    event.camera_id,
                    event.preset,
                    event.confirmed_at,
                    event.class_name,
                    event.score,
                    event.box,
                    (event.image_width, event.image_height),
                    task,
                    label,
                    event.id,
                ),
                raw,
            )
        )
    return items


def _drone_items(session: Session) -> list[Item]:
    items = []
    for detection, task in _verdicts(session, SourceKind.DRONE):
        box = (detection.attrs or {}).get("box") or {}
        image = Path(detection.source_file)
        label = label_for(task, str(box.get("class", "")))
        if label is None or not box:
            continue
        if image.suffix.lower() not in (".jpg", ".jpeg"):
            log.warning("drone detection %d: %s is not a JPEG frame; left out", detection.id, image)
            continue
        if not image.is_file():
            log.warning("drone detection %d: image %s is gone; left out", detection.id, image)
            continue
        xyxy = [box["x1"], box["y1"], box["x2"], box["y2"]]
        items.append(
            Item(
                _row(
                    f"drone-{detection.id}",
                    "drone",
                    "drone",
                    image.parent.name,
                    detection.observed_at,
                    str(box.get("class")),
                    float(box.get("score", 0)),
                    xyxy,
                    None,
                    task,
                    label,
                    None,
                ),
                image,
            )
        )
    return items


def _row(
    stem: str,
    kind: str,
    camera: str,
    preset: str,
    seen_at: datetime,
    class_name: str,
    score: float,
    box: list[float],
    size: tuple[int, int] | None,
    task: TaskRow,
    label: str,
    event_id: int | None,
) -> dict[str, Any]:
    x1, y1, x2, y2 = (round(float(v), 1) for v in box)
    verdict = task.verdict if task.verdict == TaskStatus.CONFIRMED.value else f"rejected:{task.reason_code}"
    return {
        "stem": stem, "kind": kind, "camera": camera, "preset": preset, "seen_at": seen_at.isoformat(),
        "class": class_name, "score": round(score, 4), "x1": x1, "y1": y1, "x2": x2, "y2": y2,
        "width": size[0] if size else "", "height": size[1] if size else "", "verdict": verdict,
        "label": label, "split": "", "event_id": event_id if event_id is not None else "",
    }  # fmt: skip


def assign_splits(items: list[Item], val_share: float) -> None:
    """Per camera preset, the latest ``val_share`` of its frames (at least one of five or more) are val."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        groups[(item.row["camera"], item.row["preset"])].append(item)
    for members in groups.values():
        members.sort(key=lambda i: str(i.row["seen_at"]))
        n_val = max(1, round(len(members) * val_share)) if len(members) >= 5 else 0
        for k, item in enumerate(members):
            item.row["split"] = "val" if k >= len(members) - n_val else "train"


def export_dataset(session: Session, out: Path, val_share: float = 0.2) -> dict[str, int]:
    """Write the dataset folder; returns counts per label and split."""
    items = _camera_items(session) + _drone_items(session)
    assign_splits(items, val_share)
    (out / "images").mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    with (out / "index.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for item in items:
            shutil.copyfile(item.image, out / "images" / f"{item.row['stem']}.jpg")
            writer.writerow(item.row)
            counts[f"{item.row['label']}/{item.row['split']}"] += 1
    log.info("exported %d frames to %s: %s", len(items), out, dict(counts))
    return dict(counts)
