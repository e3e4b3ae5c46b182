"""Frames decoded once and kept in memory for training and evaluation."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.errors import InputError

MAX_SIDE = 640  # frames are stored at most this large; the model sees 320 px


class ImageCache:
    """Decoded frames by path (BGR uint8, longest side ≤ ``max_side`` px) and the scale applied to their
    boxes. Evaluation keeps frames at full size (``max_side=None``): the shipped inference tiles them."""

    def __init__(self, max_side: int | None = MAX_SIDE) -> None:
        self._images: dict[Path, tuple[NDArray[np.uint8], float]] = {}
        self.max_side = max_side

    def get(self, path: Path) -> tuple[NDArray[np.uint8], float]:
        """The frame and its scale (1.0 unless it was shrunk)."""
        if path not in self._images:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise InputError(f"{path}: not a readable image")
            scale = min(1.0, self.max_side / max(image.shape[:2])) if self.max_side else 1.0
            if scale < 1.0:
                image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            self._images[path] = (np.asarray(image, np.uint8), scale)
        return self._images[path]
