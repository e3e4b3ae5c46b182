"""Full-resolution stand-ins built from real lookout frames: a real plume pasted small into a large frame.

The shared lookout frames are 640 × 480 (downscaled from the HPWREN cameras' 3072 × 2048); the project
holds no full-resolution sequence. To measure what tiling buys, a real validation plume (its annotated box
plus a margin of the same view) is scaled so the box covers a chosen share of a 3072 × 2048 (or 4K) frame
and blended, with a feathered edge, into that view's pre-ignition frame enlarged to the full size. The
plume keeps its real texture; the background is blurrier than a real full-resolution frame. These are
stand-ins, reported as such, never a substitute for real full-resolution sequences.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
MARGIN = 0.5  # context around the annotated box taken with the plume (share of its size, each side)


@dataclass(frozen=True)
class Plume:
    """A plume cut from a real frame: the patch and the annotated box inside it (patch pixels)."""

    patch: Image
    box: tuple[float, float, float, float]
    base: tuple[float, float] = (0.0, 0.0)  # the box's bottom centre in its source frame (pixels)


def cut_plume(image: Image, box: NDArray[np.float32]) -> Plume:
    """The annotated box of ``image`` with a margin of its own view."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in box)
    mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
    c0, r0 = int(max(0, x1 - mx)), int(max(0, y1 - my))
    c1, r1 = int(min(w, np.ceil(x2 + mx))), int(min(h, np.ceil(y2 + my)))
    return Plume(image[r0:r1, c0:c1].copy(), (x1 - c0, y1 - r0, x2 - c0, y2 - r0), ((x1 + x2) / 2, y2))


def enlarge(image: Image, width: int, height: int) -> Image:
    """A frame resized to the full size (the background of a stand-in)."""
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC), np.uint8)


def paste(
    frame: Image, plume: Plume, area_share: float, base: tuple[float, float]
) -> tuple[Image, NDArray[np.float32]]:
    """``frame`` with ``plume`` scaled so its box covers ``area_share`` of the frame, the box's bottom
    centre at ``base`` (image fractions); returns the new frame and the pasted box (pixels)."""
    h, w = frame.shape[:2]
    bx1, by1, bx2, by2 = plume.box
    scale = float(np.sqrt(area_share * w * h / max((bx2 - bx1) * (by2 - by1), 1.0)))
    ph, pw = plume.patch.shape[:2]
    size = (max(2, round(pw * scale)), max(2, round(ph * scale)))
    patch = cv2.resize(plume.patch, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    # where the patch goes: the box's bottom centre lands on ``base``
    x0 = round(base[0] * w - (bx1 + bx2) / 2 * scale)
    y0 = round(base[1] * h - by2 * scale)
    x0 = int(np.clip(x0, 0, w - size[0]))
    y0 = int(np.clip(y0, 0, h - size[1]))
    alpha = _feather(size[1], size[0])
    out = frame.copy()
    region = out[y0 : y0 + size[1], x0 : x0 + size[0]].astype(np.float32)
    blended = region * (1 - alpha) + patch.astype(np.float32) * alpha
    out[y0 : y0 + size[1], x0 : x0 + size[0]] = np.clip(blended, 0, 255).astype(np.uint8)
    box = np.array([x0 + bx1 * scale, y0 + by1 * scale, x0 + bx2 * scale, y0 + by2 * scale], np.float32)
    return out, box


def _feather(h: int, w: int) -> NDArray[np.float32]:
    """1 in the middle, falling smoothly to 0 at the patch border (no rectangle seam)."""
    ys = np.minimum(np.arange(h), np.arange(h)[::-1]) / max(1.0, h * 0.25)
    xs = np.minimum(np.arange(w), np.arange(w)[::-1]) / max(1.0, w * 0.25)
    ramp = np.clip(np.minimum(ys[:, None], xs[None, :]), 0, 1).astype(np.float32)
    smooth: NDArray[np.float32] = (ramp * ramp * (3 - 2 * ramp))[:, :, None]
    return smooth
