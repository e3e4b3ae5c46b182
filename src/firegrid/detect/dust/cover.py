"""Uncovered soil in a site camera's view: bare soil vs green dust net vs hardened surface.

A per-pixel colour rule, written once (numpy and the shipped ONNX graph
``models/site-cover-colour.onnx``), on chromaticity (r, g, b = channel / sum) and
saturation of an RGB image in [0, 1]:

* soil: reddish-yellow earth - r > 0.36, r >= g, b < 0.30, saturation > 0.15;
* net: green HDPE dust net - g > 0.36, g > r + 0.02, g >= b, saturation > 0.12;
* hard: grey concrete / asphalt - saturation < 0.12;

all within brightness 0.12 .. 0.95 (night, glare and sky-white are nothing). Planted
areas also look like "net": regions of interest should cover the yard and earthwork, not
lawns. A learned segmentation model can replace the graph under the same manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.runtime import PixelModel

COVER = {
    "soil_r_min": 0.36,
    "soil_b_max": 0.30,
    "soil_sat_min": 0.15,
    "net_g_min": 0.36,
    "net_g_over_r": 0.02,
    "net_sat_min": 0.12,
    "hard_sat_max": 0.12,
    "bright_min": 0.12,
    "bright_max": 0.95,
}
SIZE = 512  # images are analysed at most this wide/high


def site_cover(b: Mapping[str, Any], xp: Any) -> dict[str, Any]:
    """Soil, net and hard masks of RGB pixels (inputs ``red green blue`` in 0..1)."""
    t = COVER
    r, g, bl = b["red"], b["green"], b["blue"]
    total = r + g + bl
    rc, gc, bc = xp.safe_div(r, total), xp.safe_div(g, total), xp.safe_div(bl, total)
    bright = xp.maximum(xp.maximum(r, g), bl)
    dark = xp.minimum(xp.minimum(r, g), bl)
    sat = xp.safe_div(bright - dark, bright)
    lit = (bright > t["bright_min"]) & (bright < t["bright_max"])
    soil = lit & (rc > t["soil_r_min"]) & (rc >= gc) & (bc < t["soil_b_max"]) & (sat > t["soil_sat_min"])
    net = lit & (gc > t["net_g_min"]) & (gc > rc + t["net_g_over_r"]) & (gc >= bc) & (sat > t["net_sat_min"])
    hard = lit & (sat < t["hard_sat_max"])
    return {"soil": soil, "net": net, "hard": hard}


def region_mask(polygon: list[tuple[float, float]], shape: tuple[int, int]) -> NDArray[np.bool_]:
    """A polygon in image fractions (0..1) rasterised onto ``shape`` (h, w)."""
    h, w = shape
    points = np.array([[x * w, y * h] for x, y in polygon], dtype=np.float64)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def resized_rgb(image_bgr: NDArray[np.uint8], size: int = SIZE) -> NDArray[np.float32]:
    """RGB float32 in 0..1, at most ``size`` on the longer side (area averaging)."""
    h, w = image_bgr.shape[:2]
    scale = min(1.0, size / max(h, w))
    small = (
        cv2.resize(image_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1
        else image_bgr
    )
    return np.ascontiguousarray(small[..., ::-1], dtype=np.float32) / np.float32(255.0)


class CoverModel:
    """The shipped cover graph; fractions of soil / net / hard per region."""

    name = "site-cover-colour"

    def __init__(self, models_dir: Any) -> None:
        self.model = PixelModel(models_dir, self.name)

    def describe(self) -> dict[str, str]:
        """Name, version, hash."""
        return {
            "name": self.name,
            "version": self.model.manifest.version,
            "sha256": self.model.manifest.sha256,
        }

    def classes(self, image_bgr: NDArray[np.uint8]) -> dict[str, NDArray[np.bool_]]:
        """Per-pixel masks on the analysis-size image."""
        rgb = resized_rgb(image_bgr)
        return self.model.run({"red": rgb[..., 0], "green": rgb[..., 1], "blue": rgb[..., 2]})

    def fractions(
        self, image_bgr: NDArray[np.uint8], polygon: list[tuple[float, float]] | None = None
    ) -> dict[str, float]:
        """Soil / net / hard shares of the region and ``uncovered`` = soil / (soil + net + hard)."""
        masks = self.classes(image_bgr)
        shape = masks["soil"].shape
        inside = region_mask(polygon, shape) if polygon else np.ones(shape, bool)
        n = max(int(inside.sum()), 1)
        counts = {k: int((v & inside).sum()) for k, v in masks.items()}
        surface = counts["soil"] + counts["net"] + counts["hard"]
        return {
            "soil": counts["soil"] / n,
            "net": counts["net"] / n,
            "hard": counts["hard"] / n,
            "uncovered": counts["soil"] / surface if surface else 0.0,
            "surface": surface / n,
        }
