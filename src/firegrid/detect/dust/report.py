"""One image, no history: how much of it (or of each region) looks like dust, and how much of
each yard / earthwork region is uncovered soil (``firegrid detect-image --detectors dust``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.dust.cover import CoverModel, region_mask
from firegrid.detect.dust.haze import HazeModel

COVER_KINDS = ("material_yard", "earthwork")
Polygon = list[tuple[float, float]]


def dust_report(
    haze: HazeModel,
    cover: CoverModel,
    image_bgr: NDArray[np.uint8],
    regions: Sequence[tuple[str, str, Polygon]] = (),
    threshold: float = 0.05,
) -> dict[str, Any]:
    """``dust_score`` = dusty share of the image (or of the union of regions); per region the
    same, and the uncovered share for material yards and earthwork."""
    _, dusty = haze.dusty(image_bgr)
    if regions:
        union = np.zeros(dusty.shape, bool)
        for _, _, polygon in regions:
            union |= region_mask(polygon, dusty.shape)
    else:
        union = np.ones(dusty.shape, bool)
    score = float((dusty & union).sum() / max(int(union.sum()), 1))
    out: dict[str, Any] = {
        "dust_score": round(score, 4),
        "dust": score >= threshold,
        "threshold": threshold,
        "models": [haze.describe()["name"]],
    }
    if regions:
        out["regions"] = [_region(cover, image_bgr, dusty, r, threshold) for r in regions]
        out["models"].append(cover.describe()["name"])
    return out


def _region(
    cover: CoverModel,
    image_bgr: NDArray[np.uint8],
    dusty: NDArray[np.bool_],
    region: tuple[str, str, Polygon],
    threshold: float,
) -> dict[str, Any]:
    name, kind, polygon = region
    mask = region_mask(polygon, dusty.shape)
    score = float((dusty & mask).sum() / max(int(mask.sum()), 1))
    entry: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "dust_score": round(score, 4),
        "dust": score >= threshold,
    }
    if kind in COVER_KINDS:
        entry.update({k: round(v, 4) for k, v in cover.fractions(image_bgr, polygon).items()})
    return entry
