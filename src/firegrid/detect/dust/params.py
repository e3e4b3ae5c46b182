"""Parameters of the dust detectors (plain models; ``Settings.dust`` fills them from the environment)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ThresholdParams(BaseModel):
    """Bounds, fallbacks and the land-cover class used as bare reference (see ``thresholds``)."""

    bsi_fixed: float = 0.05
    ndvi_fixed: float = 0.25
    bsi_bounds: tuple[float, float] = (0.05, 0.25)  # adaptive thresholds only ever tighten the fixed one
    ndvi_bounds: tuple[float, float] = (0.10, 0.30)
    min_separability: float = Field(0.8, ge=0, le=1)  # a single Gaussian gives 0.64, a uniform 0.75
    min_pixels: int = Field(500, ge=1)
    bare_class: int = 60  # ESA WorldCover "bare / sparse vegetation"
    min_class_pixels: int = Field(500, ge=1)

    @property
    def lowest_bsi(self) -> float:
        """No threshold ``thresholds.choose`` gives is below this (fixed, or clamped to the bounds)."""
        return min(self.bsi_fixed, self.bsi_bounds[0])


class LandCoverParams(BaseModel):
    """Class codes with a meaning for dust (ESA WorldCover 2020/2021 by default)."""

    cropland: list[int] = Field(default_factory=lambda: [40])
    built_up: list[int] = Field(default_factory=lambda: [50])

    def kind_of(self, code: int) -> str:
        """What a bare patch on this class is: cropland, built_up or bare_land."""
        if code in self.cropland:
            return "cropland"
        if code in self.built_up:
            return "built_up"
        return "bare_land"


class ChangeParams(BaseModel):
    """New bare land between dates: index drops, persistence and the screening size."""

    delta_ndvi: float = -0.2  # NDVI must fall by at least this much ...
    delta_bsi: float = 0.1  # ... or BSI rise by at least this much
    persistence: int = Field(2, ge=1)  # bare in at least this many of the later acquisitions
    min_area_m2: float = Field(2000.0, gt=0)


class DustParams(BaseModel):
    """Everything the bare-soil detector takes."""

    min_patch_m2: float = Field(1000.0, gt=0)  # 0.1 ha
    image_dust_score: float = Field(0.05, gt=0, le=1)  # dusty share of an image that makes it "dust"
    sample_step: int = Field(8, ge=1)  # histogram sample: every n-th row and column
    threads: int = Field(2, ge=1)  # windows read and evaluated at once
    thresholds: ThresholdParams = Field(default_factory=ThresholdParams)
    landcover: LandCoverParams = Field(default_factory=LandCoverParams)
    change: ChangeParams = Field(default_factory=ChangeParams)
