"""Image boxes as columns (xyxy pixels, score, class) and vectorised non-maximum suppression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class Boxes:
    """Boxes in pixel coordinates of one image: ``xyxy`` (n, 4), ``score`` (n,), ``class_id`` (n,)."""

    xyxy: NDArray[np.float32]
    score: NDArray[np.float32]
    class_id: NDArray[np.int64]

    @classmethod
    def empty(cls) -> Boxes:
        """No boxes."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

    @classmethod
    def concat(cls, parts: Sequence[Boxes]) -> Boxes:
        """All boxes of several parts."""
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.xyxy for p in parts]).astype(np.float32),
            np.concatenate([p.score for p in parts]).astype(np.float32),
            np.concatenate([p.class_id for p in parts]).astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.score)

    def __getitem__(self, index: Any) -> Boxes:
        return Boxes(
            self.xyxy[index].reshape(-1, 4), self.score[index].reshape(-1), self.class_id[index].reshape(-1)
        )

    def shifted(self, dx: float, dy: float) -> Boxes:
        """The boxes moved by (dx, dy)."""
        return Boxes(self.xyxy + np.array([dx, dy, dx, dy], np.float32), self.score, self.class_id)

    def as_dicts(self, classes: Sequence[str]) -> list[dict[str, Any]]:
        """JSON-ready boxes."""
        return [
            {
                "x1": round(float(b[0]), 1),
                "y1": round(float(b[1]), 1),
                "x2": round(float(b[2]), 1),
                "y2": round(float(b[3]), 1),
                "score": round(float(s), 4),
                "class": classes[int(c)] if int(c) < len(classes) else str(int(c)),
            }
            for b, s, c in zip(self.xyxy, self.score, self.class_id, strict=True)
        ]


def iou_matrix(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    """Pairwise IoU of two xyxy arrays, (len(a), len(b))."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    out: NDArray[np.float32] = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(np.float32)
    return out


def nms(boxes: Boxes, iou_threshold: float = 0.45, class_aware: bool = True) -> NDArray[np.int64]:
    """Indexes kept by greedy NMS, highest score first (IoU > threshold suppresses).

    Vectorised: the IoU matrix is computed once and the greedy pass runs over its rows.
    Class-aware NMS offsets each class far apart so boxes of different classes never overlap.
    """
    if not len(boxes):
        return np.zeros(0, np.int64)
    xyxy = boxes.xyxy.astype(np.float64)
    if class_aware:
        offset = (xyxy.max() + 1.0) * boxes.class_id.astype(np.float64)
        xyxy = xyxy + offset[:, None]
    order = np.argsort(-boxes.score, kind="stable")
    overlap = iou_matrix(xyxy[order].astype(np.float32), xyxy[order].astype(np.float32)) > iou_threshold
    suppressed = np.zeros(len(order), bool)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(order[i])
        suppressed |= overlap[i]
    return np.asarray(keep, np.int64)
