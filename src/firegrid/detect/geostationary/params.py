"""Thresholds of the geostationary fire detector, with where each comes from.

Contextual part: Giglio, Descloitres, Justice & Kaufman (2003), "An enhanced contextual fire
detection algorithm for MODIS", RSE 87:273-282 (MOD14 Collection 4/5), the algorithm the JAXA
Himawari wildfire product and most AHI studies start from; temporal part: firegrid's own (see
``background.py``), in the spirit of Roberts & Wooster (2014, RSE 152:392-412) and Xie et al.
(2018, Remote Sens. 10:1992), which estimate each pixel's expected MIR signal from its own history.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ContextualParams(BaseModel):
    """Giglio et al. 2003 thresholds (K unless stated)."""

    day_sza: float = 85.0  # solar zenith below this: daytime tests
    potential_t4_day: float = 310.0  # potential fire: T4 > 310 K, ΔT > 10 K, ρ0.86 < 0.3 (day)
    potential_t4_night: float = 305.0  # night: T4 > 305 K, ΔT > 10 K
    potential_dt: float = 10.0
    potential_nir_max: float = 0.3
    absolute_t4_day: float = 360.0  # absolute: T4 > 360 K (day), > 320 K (night)
    absolute_t4_night: float = 320.0
    background_fire_t4_day: float = 325.0  # background fires: day T4 > 325 K and ΔT > 20 K
    background_fire_dt_day: float = 20.0
    background_fire_t4_night: float = 310.0  # night T4 > 310 K and ΔT > 10 K
    background_fire_dt_night: float = 10.0
    min_half_window: int = 2  # 5 x 5, its inner 3 x 3 excluded (the imager's PSF spreads a fire there)
    max_half_window: int = 10  # 21 x 21
    min_valid_fraction: float = 0.25
    min_valid: int = 8
    dt_mad_factor: float = 3.5  # (2) ΔT > ΔT̄ + 3.5 δΔT
    dt_margin: float = 6.0  # (3) ΔT > ΔT̄ + 6 K
    t4_mad_factor: float = 3.0  # (4) T4 > T̄4 + 3 δ4
    t11_margin: float = 4.0  # (5) T11 > T̄11 + δ11 − 4 K
    rejected_t4_mad: float = 5.0  # (6) δ′4 > 5 K
    glint_strong_deg: float = 2.0  # sun glint: θg < 2°, or θg < 8° with ρ0.64 > 0.1 and ρ0.86 > 0.2,
    glint_bright_deg: float = 8.0  # or θg < 12° next to water
    glint_water_deg: float = 12.0


class CloudParams(BaseModel):
    """Cloud and water masks (Giglio et al. 2003; water: a dark-NIR day test)."""

    vis_cloud: float = 0.9  # ρ0.64 + ρ0.86 > 0.9
    vis_cloud_warm: float = 0.7  # or ρ0.64 + ρ0.86 > 0.7 and T12 < 285 K
    t12_cold: float = 265.0  # or T12 < 265 K (day and night)
    t12_warm: float = 285.0
    water_nir_max: float = 0.05  # day: ρ0.86 < 0.05 (and ρ0.64 > ρ0.86 when the red band exists)


class TemporalParams(BaseModel):
    """The per-pixel temporal background (firegrid's; see ``background.py``)."""

    bin_minutes: int = Field(10, ge=5, le=60)  # time-of-day bins (Himawari: one slot per bin per day)
    memory_days: float = Field(7.0, gt=0)  # EWMA memory of each bin's expected T4 and ΔT
    min_days: int = Field(3, ge=1)  # a bin needs this many clear days before it can alarm
    min_anomaly_k: float = Field(2.0, gt=0)  # residual T4 rise that can alarm at all
    sigma_factor: float = Field(4.0, gt=0)  # and more than this many of the pixel's residual σ
    min_dt_share: float = Field(0.5, ge=0)  # the ΔT residual carries at least this share of the T4 one
    shift_block: int = Field(15, ge=3)  # the common (weather) shift: median residual of 15 x 15 blocks
    min_residual_samples: int = Field(30, ge=1)  # slots before a pixel's residual σ is trusted


class GeoDetectorParams(BaseModel):
    """Everything the geostationary detector takes."""

    contextual: ContextualParams = Field(default_factory=ContextualParams)
    clouds: CloudParams = Field(default_factory=CloudParams)
    temporal: TemporalParams = Field(default_factory=TemporalParams)
