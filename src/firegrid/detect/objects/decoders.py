"""Decode raw detector outputs into boxes (model-input pixels), before thresholds and NMS.

* ``ultralytics``: (1, 4 + C, N) — cx, cy, w, h, then one score per class; no NMS inside.
* ``pyronear``: (1, 5, N) — cx, cy, w, h, confidence; a single class.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes
from firegrid.errors import InputError


def _xywh_to_xyxy(xywh: NDArray[np.float32]) -> NDArray[np.float32]:
    cx, cy, w, h = xywh
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)


def decode_ultralytics(output: NDArray[np.float32], n_classes: int) -> Boxes:
    """Best class per anchor of a (1, 4 + C, N) output."""
    if output.ndim != 3 or output.shape[0] != 1 or output.shape[1] != 4 + n_classes:
        raise InputError(f"expected an ultralytics output (1, {4 + n_classes}, N), got {output.shape}")
    data = output[0]
    scores = data[4:]
    class_id = scores.argmax(axis=0)
    score = scores[class_id, np.arange(scores.shape[1])]
    return Boxes(_xywh_to_xyxy(data[:4]), score.astype(np.float32), class_id.astype(np.int64))


def decode_pyronear(output: NDArray[np.float32], n_classes: int = 1) -> Boxes:
    """A (1, 5, N) single-class output."""
    if output.ndim != 3 or output.shape[0] != 1 or output.shape[1] != 5:
        raise InputError(f"expected a Pyronear output (1, 5, N), got {output.shape}")
    del n_classes
    data = output[0]
    return Boxes(_xywh_to_xyxy(data[:4]), data[4].astype(np.float32), np.zeros(data.shape[1], np.int64))


DECODERS: dict[str, Callable[[NDArray[np.float32], int], Boxes]] = {
    "ultralytics": decode_ultralytics,
    "pyronear": decode_pyronear,
}
