"""The motion gate: a candidate box must show change against the preset's reference image, and more
change than the frame as a whole.

Smoke rises and drifts, so its region differs from a slow running average of the preset's frames. A fixed
bright patch, a building or a parked look-alike does not change (``static_diff``); fog, haze, a cloud bank
or an exposure change alter the whole view, so the box's change is no larger than the frame's typical
change (its median, ``motion_ratio``). Measured on the lookout validation sequences (docs/models/
smoke-fire.md): boxes on real plumes change 2–4 × the frame median, boxes on pre-ignition haze and sky
less than 1 ×. A frame whose median change exceeds ``scene_change_diff`` (the camera moved, day to night,
fog rolling in fast) restarts the reference and passes nothing.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import Boxes


def motion_grey(image: NDArray[np.uint8], width: int) -> NDArray[np.float32]:
    """The frame in grey at ``width`` pixels across (never enlarged)."""
    h, w = image.shape[:2]
    width = min(width, w)
    height = max(1, round(h * width / w))
    small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.float32)


def box_change(
    boxes: Boxes, shape: tuple[int, ...], grey: NDArray[np.float32], reference: NDArray[np.float32]
) -> tuple[NDArray[np.float32], float]:
    """Mean |frame − reference| inside each box (at least 2 × 2 grey pixels), and the frame's median."""
    diff = np.abs(grey - reference)
    scale = grey.shape[1] / shape[1]
    gh, gw = grey.shape
    out = np.zeros(len(boxes), np.float32)
    for i, (x1, y1, x2, y2) in enumerate(boxes.xyxy * scale):
        c0, r0 = int(np.clip(x1, 0, gw - 2)), int(np.clip(y1, 0, gh - 2))
        c1, r1 = max(c0 + 2, int(np.ceil(x2))), max(r0 + 2, int(np.ceil(y2)))
        out[i] = float(diff[r0:r1, c0:c1].mean())
    return out, float(np.median(diff))


def moving(
    boxes: Boxes,
    shape: tuple[int, ...],
    grey: NDArray[np.float32],
    reference: NDArray[np.float32] | None,
    config: TemporalConfig,
) -> NDArray[np.bool_]:
    """Which boxes pass the gate (all, before the preset has a reference)."""
    if reference is None or reference.shape != grey.shape or not len(boxes):
        return np.ones(len(boxes), bool)
    change, median = box_change(boxes, shape, grey, reference)
    if median > config.scene_change_diff:
        return np.zeros(len(boxes), bool)
    floor = config.motion_ratio * max(median, 0.5)
    keep: NDArray[np.bool_] = (change >= config.static_diff) & (change >= floor)
    return keep


def update_reference(
    reference: NDArray[np.float32] | None, grey: NDArray[np.float32], config: TemporalConfig
) -> NDArray[np.float32]:
    """A slow running average of the preset's frames (restarted after a scene change)."""
    if reference is None or reference.shape != grey.shape:
        return grey.copy()
    if float(np.median(np.abs(grey - reference))) > config.scene_change_diff:
        return grey.copy()
    alpha = config.reference_alpha
    return ((1 - alpha) * reference + alpha * grey).astype(np.float32)
