"""Evidence of a camera event: the frame with the box drawn, and a crop; kept for a retention period."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)
RAW = "raw.jpg"  # the unmarked frame beside frame.jpg


def save_evidence(
    folder: Path, image: NDArray[np.uint8], box: NDArray[np.float32], label: str
) -> tuple[Path, Path]:
    """Write ``frame.jpg`` (box drawn, label), ``crop.jpg`` (box plus a margin) and ``raw.jpg`` (the frame
    as seen, for retraining: ``firegrid model dataset export``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    h, w = image.shape[:2]
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    drawn = image.copy()
    cv2.rectangle(drawn, (x1, y1), (x2, y2), (0, 0, 255), 2)
    cv2.putText(
        drawn, label, (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1, cv2.LINE_AA
    )
    mx, my = max(8, (x2 - x1) // 2), max(8, (y2 - y1) // 2)
    crop = image[max(0, y1 - my) : min(h, y2 + my), max(0, x1 - mx) : min(w, x2 + mx)]
    frame_path, crop_path = folder / "frame.jpg", folder / "crop.jpg"
    raw = cv2.imwrite(str(folder / RAW), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if (
        not raw
        or not cv2.imwrite(str(frame_path), drawn)
        or not cv2.imwrite(str(crop_path), crop if crop.size else image)
    ):
        raise OSError(f"cannot write evidence into {folder}")
    return frame_path, crop_path


def prune(root: Path, days: float, now: float | None = None) -> int:
    """Delete event folders older than ``days``; returns how many were removed."""
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - days * 86400
    removed = 0
    for folder in root.glob("*/*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    if removed:
        log.info("pruned %d evidence folders older than %.0f days", removed, days)
    return removed
