"""Temporal confirmation per camera + preset: a box must recur before it is an event.

Pyronear-like: over the last ``frames`` frames, a candidate box (NMS over the window) is
confirmed when it IoU-matches boxes in at least ``hits_needed`` frames and the summed best
matching confidence divided by ``frames`` exceeds ``conf_thresh`` (times ``hysteresis``
while an event is ongoing). Boxes come through the motion gate first (:mod:`motion`).

The state is plain data (JSON-able), so any worker can continue a camera's patrol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import Boxes, iou_matrix, nms


@dataclass
class WindowState:
    """The last frames' boxes of one camera + preset, and whether an event is ongoing."""

    frames: list[dict[str, list[Any]]] = field(default_factory=list)  # per frame: xyxy, score, class
    ongoing: bool = False
    event_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """Plain data."""
        return {"frames": self.frames, "ongoing": self.ongoing, "event_id": self.event_id}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> WindowState:
        """Back from plain data."""
        data = data or {}
        return cls(list(data.get("frames", [])), bool(data.get("ongoing", False)), data.get("event_id"))


@dataclass(frozen=True)
class Confirmation:
    """A confirmed box of the current frame; ``new`` when it starts an event."""

    box: NDArray[np.float32]
    score: float
    class_id: int
    hits: int
    new: bool


def _boxes(frame: dict[str, list[Any]]) -> Boxes:
    return Boxes(
        np.asarray(frame["xyxy"], np.float32).reshape(-1, 4),
        np.asarray(frame["score"], np.float32),
        np.asarray(frame["class"], np.int64),
    )


def update(state: WindowState, boxes: Boxes, config: TemporalConfig) -> list[Confirmation]:
    """Add the current frame's boxes (already filtered) and return the confirmed ones."""
    state.frames.append(
        {"xyxy": boxes.xyxy.tolist(), "score": boxes.score.tolist(), "class": boxes.class_id.tolist()}
    )
    state.frames = state.frames[-config.frames :]
    current = boxes
    if not len(current):
        state.ongoing = state.ongoing and any(len(f["score"]) for f in state.frames[-2:])
        return []
    history = [_boxes(f) for f in state.frames]
    threshold = config.conf_thresh * (config.hysteresis if state.ongoing else 1.0)
    confirmed = []
    for i in nms(current, 0.3):
        hits, total = 0, 0.0
        for past in history:
            same = past[past.class_id == current.class_id[i]]
            if not len(same):
                continue
            ious = iou_matrix(current.xyxy[i : i + 1], same.xyxy)[0]
            match = ious > config.iou_match
            if match.any():
                hits += 1
                total += float(same.score[match].max())
        if hits >= config.hits_needed and total / config.frames > threshold:
            confirmed.append(
                Confirmation(
                    current.xyxy[i],
                    float(current.score[i]),
                    int(current.class_id[i]),
                    hits,
                    new=not state.ongoing,
                )
            )
    if confirmed:
        state.ongoing = True
    return confirmed
