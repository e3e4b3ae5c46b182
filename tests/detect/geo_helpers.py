"""Synthetic geostationary slots: a diurnal surface-temperature curve per pixel, weather, noise, clouds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy import ndimage

from firegrid.imagery.geostationary.slot import GeoSlot

START = datetime(2025, 10, 20, tzinfo=UTC)  # 16:00 UTC is midnight in Shanxi


@dataclass
class Landscape:
    """Per-pixel diurnal parameters over a small grid around Xinzhou (38.4N 112.7E)."""

    rng: np.random.Generator
    shape: tuple[int, int] = (30, 30)

    def __post_init__(self) -> None:
        self.base = 283 + self._smooth(2.5)  # night T4 (K): neighbouring fields and villages look alike
        self.amp = 22 + self._smooth(4.0)  # daytime rise of T4 (solar heating + reflection)
        self.peak = 13.5 + self.rng.normal(0, 0.4, self.shape)  # local solar hour of the maximum
        rows, cols = np.mgrid[0 : self.shape[0], 0 : self.shape[1]]
        self.lat = 38.9 - rows * 0.03
        self.lon = 112.3 + cols * 0.035

    def _smooth(self, sd: float) -> np.ndarray:
        field = ndimage.gaussian_filter(self.rng.normal(0, 1, self.shape), 2.0)
        return np.asarray(field / field.std() * sd + self.rng.normal(0, sd / 4, self.shape))

    def day_weather(self, day: int) -> float:
        """A common shift of the whole area on each day (a warmer or hazier day), in K."""
        return float(np.random.default_rng(1000 + day).normal(0, 2.0))


def diurnal(land: Landscape, when: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T4, T11, solar zenith) of every pixel at ``when``, before noise."""
    local = (when.hour + when.minute / 60 + 7.5) % 24  # solar time at ~112.5E
    phase = np.clip((local - (land.peak - 7.0)) / 14.0, 0, 1)  # 0 at sunrise .. 1 at sunset
    heating = np.sin(np.pi * phase) ** 1.5
    weather = land.day_weather((when - START).days)
    t4 = land.base + land.amp * heating + weather
    t11 = land.base - 1.5 + 0.65 * land.amp * heating + 0.8 * weather
    sza = np.clip(90 - 55 * np.sin(np.pi * ((local - 6) / 12)), 20, 120) * np.ones(land.shape)
    return t4, t11, sza


def synthetic_slot(
    land: Landscape,
    when: datetime,
    noise_k: float = 0.25,
    cloud: np.ndarray | None = None,
    fire: tuple[int, int, float] | None = None,
    grid_key: str = "synthetic",
) -> GeoSlot:
    """One slot; ``fire`` = (row, col, kelvin added to T4; a tenth of it to T11)."""
    t4, t11, sza = diurnal(land, when)
    rng = np.random.default_rng(int(when.timestamp()))
    t4 = t4 + rng.normal(0, noise_k, land.shape)
    t11 = t11 + rng.normal(0, noise_k, land.shape)
    if fire is not None:
        r, c, k = fire
        t4[r, c] += k
        t11[r, c] += k / 10
    t12 = t11 - 1.0
    if cloud is not None:
        t4, t11, t12 = (np.where(cloud, 255.0, a) for a in (t4, t11, t12))
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    shape = land.shape
    return GeoSlot(
        platform="Himawari-9",
        sensor="AHI",
        start_time=when,
        grid_key=grid_key,
        mir=f32(t4),
        tir=f32(t11),
        lon=land.lon.astype(np.float64),
        lat=land.lat.astype(np.float64),
        sza=f32(sza),
        vza=f32(np.full(shape, 53.0)),
        glint=f32(np.full(shape, 90.0)),
        pixel_area_km2=f32(np.full(shape, 7.5)),
        scan_m=f32(np.full(shape, 2800.0)),
        track_m=f32(np.full(shape, 3100.0)),
        mir_wavelength_um=3.89,
        tir12=f32(t12),
        red=f32(np.full(shape, 0.08)),
        nir=f32(np.full(shape, 0.22)),
    )


def slot_times(days: int, minutes: int = 10) -> list[datetime]:
    """Every slot of ``days`` days from ``START``."""
    return [START + timedelta(minutes=minutes * i) for i in range(days * 24 * 60 // minutes)]
