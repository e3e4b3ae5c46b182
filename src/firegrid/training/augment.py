"""Augmentation for distant smoke: scale/crop into the model canvas, flip, colour jitter, haze, blur.

Every function takes a ``numpy.random.Generator`` so a run is reproducible from its seed. Images are BGR uint8
as OpenCV reads them; boxes are xyxy image pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.training.config import AugmentConfig

Image = NDArray[np.uint8]
Boxes = NDArray[np.float32]
PAD = 114  # the runtime's letterbox fill


def place(
    image: Image, boxes: Boxes, size: int, zoom: float, rng: np.random.Generator | None
) -> tuple[Image, Boxes, NDArray[np.bool_]]:
    """Resize by ``zoom`` × the letterbox scale and place on a ``size`` canvas (random offset when ``rng``).

    Returns the canvas, the moved boxes clipped to it, and which boxes kept at least 25 % of their area.
    """
    h, w = image.shape[:2]
    scale = size / max(h, w) * zoom
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    # offset of the resized image on the canvas: centred without rng (letterbox), random otherwise
    dx = (size - nw) // 2 if rng is None else _offset(rng, size, nw)
    dy = (size - nh) // 2 if rng is None else _offset(rng, size, nh)
    canvas = np.full((size, size, 3), PAD, np.uint8)
    x0, y0 = max(dx, 0), max(dy, 0)
    x1, y1 = min(dx + nw, size), min(dy + nh, size)
    canvas[y0:y1, x0:x1] = resized[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    moved = boxes * scale + np.array([dx, dy, dx, dy], np.float32)
    clipped = np.clip(moved, 0, size).astype(np.float32)
    area = _area(moved)
    keep = (_area(clipped) >= 0.25 * np.maximum(area, 1e-6)) & ((clipped[:, 2] - clipped[:, 0]) >= 2)
    keep &= (clipped[:, 3] - clipped[:, 1]) >= 2
    return canvas, clipped, keep


def _offset(rng: np.random.Generator, size: int, extent: int) -> int:
    lo, hi = min(0, size - extent), max(0, size - extent)
    return int(rng.integers(lo, hi + 1))


def _area(boxes: Boxes) -> NDArray[np.float32]:
    area = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    return np.asarray(area, np.float32)


def hflip(image: Image, boxes: Boxes) -> tuple[Image, Boxes]:
    """Mirror left-right."""
    w = image.shape[1]
    flipped = boxes.copy()
    flipped[:, [0, 2]] = w - boxes[:, [2, 0]]
    return np.ascontiguousarray(image[:, ::-1], np.uint8), flipped


def jitter(image: Image, cfg: AugmentConfig, rng: np.random.Generator) -> Image:
    """Brightness, contrast, saturation and hue jitter."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-cfg.hue_deg, cfg.hue_deg) / 2) % 180  # OpenCV hue: 0..180
    hsv[..., 1] *= 1 + rng.uniform(-cfg.saturation, cfg.saturation)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    mean = out.mean()
    out = (out - mean) * (1 + rng.uniform(-cfg.contrast, cfg.contrast)) + mean
    out *= 1 + rng.uniform(-cfg.brightness, cfg.brightness)
    result: Image = np.clip(out, 0, 255).astype(np.uint8)
    return result


def haze(image: Image, cfg: AugmentConfig, rng: np.random.Generator) -> Image:
    """Blend toward a bluish-grey airlight, stronger toward the top (the horizon is farther away)."""
    h = image.shape[0]
    strength = rng.uniform(0.05, cfg.haze_max)
    ramp = np.linspace(1.0, 0.4, h, dtype=np.float32)[:, None, None] * strength
    airlight = np.array([rng.uniform(200, 240), rng.uniform(195, 230), rng.uniform(185, 225)], np.float32)
    out = image.astype(np.float32) * (1 - ramp) + airlight * ramp
    result: Image = np.clip(out, 0, 255).astype(np.uint8)
    return result


def blur(image: Image, rng: np.random.Generator) -> Image:
    """A mild Gaussian blur (focus, compression, atmospheric shimmer)."""
    k = int(rng.choice([3, 5]))
    return np.asarray(cv2.GaussianBlur(image, (k, k), 0), np.uint8)


def augment(
    image: Image, boxes: Boxes, labels: list[int], size: int, cfg: AugmentConfig, rng: np.random.Generator
) -> tuple[Image, Boxes, list[int]]:
    """A training view of one sample on the model canvas."""
    zoom = float(np.exp(rng.uniform(np.log(cfg.scale_min), np.log(cfg.scale_max))))
    canvas, moved, keep = place(image, boxes, size, zoom, rng)
    moved = moved[keep]
    kept = [c for c, k in zip(labels, keep, strict=True) if k]
    if rng.random() < cfg.hflip:
        canvas, moved = hflip(canvas, moved)
    if rng.random() < cfg.jitter:
        canvas = jitter(canvas, cfg, rng)
    if rng.random() < cfg.haze:
        canvas = haze(canvas, cfg, rng)
    if rng.random() < cfg.blur:
        canvas = blur(canvas, rng)
    return canvas, moved, kept
