"""A scene: where each band lives, how DN become reflectance, and the grid detections use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
from affine import Affine

Reflectance = Literal["uncorrected", "corrected", "unknown"]


@dataclass(frozen=True)
class BandSource:
    """One band: file, band index, DN -> reflectance (``dn * scale + offset``), nodata.

    ``factor`` is how many of this band's pixels span one scene pixel (2 for a 10 m
    Sentinel-2 band on the 20 m grid; it is averaged); ``upsample`` how many scene pixels
    span one of this band's (2 for a 20 m band on the 10 m grid; nearest neighbour, so a
    window reads exactly what the whole image would). ``saturation_dn`` flags saturated DN.
    """

    path: str
    index: int = 1
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None
    factor: int = 1
    saturation_dn: float | None = None
    upsample: int = 1
    array: np.ndarray | None = field(
        default=None, compare=False, repr=False
    )  # in-memory band instead of a file


@dataclass(frozen=True)
class QaSource:
    """A quality band and how to read it: Landsat QA_PIXEL/QA_RADSAT bits or Sentinel-2 SCL classes."""

    kind: Literal["landsat_qa_pixel", "landsat_qa_radsat", "s2_scl"]
    path: str
    factor: int = 1
    upsample: int = 1


@dataclass(frozen=True)
class Scene:
    """A scene on its detection grid (``width`` x ``height`` pixels, ``transform``, ``crs``)."""

    scene_id: str
    sensor: Literal["landsat", "sentinel2"]
    platform: str
    acquired_at: datetime | None
    width: int
    height: int
    transform: Affine
    crs: str
    bands: dict[str, BandSource]
    reflectance: Reflectance
    source: str
    sun_elevation: float | None = None
    qa: list[QaSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pixel_size_m(self) -> float:
        """Pixel size along x in CRS units (metres for UTM scenes)."""
        return float(abs(self.transform.a))
