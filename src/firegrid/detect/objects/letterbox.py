"""Letterbox an image to a model's input (keep aspect, pad) and map boxes back."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted: scale and padding (left, top) in model pixels."""

    scale: float
    pad_x: float
    pad_y: float
    width: int
    height: int

    def to_image(self, boxes: Boxes) -> Boxes:
        """Boxes from model-input pixels back to image pixels, clipped to the image."""
        xyxy = (
            boxes.xyxy - np.array([self.pad_x, self.pad_y, self.pad_x, self.pad_y], np.float32)
        ) / self.scale
        xyxy[:, [0, 2]] = np.clip(xyxy[:, [0, 2]], 0, self.width)
        xyxy[:, [1, 3]] = np.clip(xyxy[:, [1, 3]], 0, self.height)
        return Boxes(xyxy.astype(np.float32), boxes.score, boxes.class_id)


def letterbox(
    image_bgr: NDArray[np.uint8], width: int, height: int, pad_value: int = 114, rgb: bool = True
) -> tuple[NDArray[np.float32], Letterbox]:
    """A (1, 3, height, width) float32 tensor in [0, 1] with the image centred, and the fit."""
    h, w = image_bgr.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad_x, pad_y = (width - new_w) // 2, (height - new_h) // 2
    canvas = np.full((height, width, 3), pad_value, np.uint8)
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    if rgb:
        canvas = canvas[:, :, ::-1]
    tensor = np.ascontiguousarray(canvas.transpose(2, 0, 1)[None], dtype=np.float32) / np.float32(255.0)
    return tensor, Letterbox(scale, float(pad_x), float(pad_y), w, h)
