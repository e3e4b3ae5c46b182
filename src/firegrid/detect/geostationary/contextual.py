"""The contextual 3.9/11 µm fire test of Giglio et al. (2003) on a geostationary grid.

1. Potential fires: by day ``T4 > 310 K``, ``ΔT = T4 − T11 > 10 K`` and ``ρ0.86 < 0.3``; at night
   ``T4 > 305 K`` and ``ΔT > 10 K``.
2. Absolute fires: ``T4 > 360 K`` by day, ``> 320 K`` at night.
3. Background: a window growing from 5 x 5 to 21 x 21 around each potential fire until at least
   25 % and at least 8 of its pixels are valid (cloud- and water-free, not themselves background
   fires: day ``T4 > 325 K`` and ``ΔT > 20 K``, night ``T4 > 310 K`` and ``ΔT > 10 K``). The inner
   3 x 3 is left out (a geostationary imager's point-spread function puts part of a fire's signal in
   the neighbours; MOD14 leaves out its along-scan neighbours for the same reason). Statistics: means
   and mean absolute deviations δ of T4, T11, ΔT; δ′4 of T4 over the rejected background fires.
4. Contextual tests: (2) ``ΔT > ΔT̄ + 3.5 δΔT``, (3) ``ΔT > ΔT̄ + 6 K``, (4) ``T4 > T̄4 + 3 δ4``,
   (5) ``T11 > T̄11 + δ11 − 4 K``, (6) ``δ′4 > 5 K``. Day fire: absolute or (2)∧(3)∧(4)∧((5)∨(6));
   night fire: absolute or (2)∧(3)∧(4). Daytime fires in sun glint are rejected.
5. Confidence (Giglio 2003): geometric mean of ramps on T4 (310→340 K), the T4 and ΔT z-scores
   (2.5→6, 3→6) and, by day, the number of cloudy and water neighbours (0→6, decreasing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.geostationary.masks import Masks, adjacent_count, glint_rejected
from firegrid.detect.geostationary.params import ContextualParams
from firegrid.imagery.geostationary.slot import GeoSlot

F32 = NDArray[np.float32]


@dataclass
class Background:
    """Statistics of one potential fire's background window (None fields: not characterised)."""

    half: int
    t4: float
    t11: float
    dt: float
    mad4: float
    mad11: float
    mad_dt: float
    rejected_mad4: float | None


@dataclass
class ContextualResult:
    """Per pixel: fire, how (``absolute`` / ``contextual``), background T4 and confidence."""

    fire: NDArray[np.bool_]
    absolute: NDArray[np.bool_]
    background_t4: F32  # NaN where no background could be characterised
    confidence: F32  # NaN outside fires
    potential: int  # how many potential fires there were
    no_background: int  # potential fires whose window never had enough valid pixels


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def _mad(values: NDArray[np.float32], mean: float) -> float:
    return float(np.mean(np.abs(values - mean)))


def background_at(
    row: int,
    col: int,
    t4: F32,
    t11: F32,
    usable: NDArray[np.bool_],
    bg_fire: NDArray[np.bool_],
    p: ContextualParams,
) -> Background | None:
    """Grow the window around (row, col) until it has enough valid background pixels."""
    rows, cols = t4.shape
    for half in range(p.min_half_window, p.max_half_window + 1):
        r0, r1 = max(0, row - half), min(rows, row + half + 1)
        c0, c1 = max(0, col - half), min(cols, col + half + 1)
        keep = np.ones((r1 - r0, c1 - c0), bool)
        keep[max(0, row - 1 - r0) : row + 2 - r0, max(0, col - 1 - c0) : col + 2 - c0] = False
        ok = usable[r0:r1, c0:c1] & keep
        n = int(ok.sum())
        if n < p.min_valid or n < p.min_valid_fraction * keep.sum():
            continue
        a4, a11 = t4[r0:r1, c0:c1][ok], t11[r0:r1, c0:c1][ok]
        adt = a4 - a11
        m4, m11, mdt = float(a4.mean()), float(a11.mean()), float(adt.mean())
        rejected = t4[r0:r1, c0:c1][bg_fire[r0:r1, c0:c1] & keep]
        return Background(
            half,
            m4,
            m11,
            mdt,
            _mad(a4, m4),
            _mad(a11, m11),
            _mad(adt, mdt),
            _mad(rejected, float(rejected.mean())) if rejected.size else None,
        )
    return None


def _passes(t4: float, t11: float, day: bool, bg: Background, p: ContextualParams) -> bool:
    dt = t4 - t11
    core = (
        dt > bg.dt + p.dt_mad_factor * bg.mad_dt
        and dt > bg.dt + p.dt_margin
        and t4 > bg.t4 + p.t4_mad_factor * bg.mad4
    )
    if not day:
        return core
    extra = t11 > bg.t11 + bg.mad11 - p.t11_margin or (
        bg.rejected_mad4 is not None and bg.rejected_mad4 > p.rejected_t4_mad
    )
    return core and extra


def _confidence(t4: float, dt: float, bg: Background | None, day: bool, n_cloud: int, n_water: int) -> float:
    parts = [_ramp(t4, 310.0, 340.0)]
    if bg is not None:
        z4 = (t4 - bg.t4) / max(bg.mad4, 1e-3)
        zdt = (dt - bg.dt) / max(bg.mad_dt, 1e-3)
        parts += [_ramp(z4, 2.5, 6.0), _ramp(zdt, 3.0, 6.0)]
    if day:
        parts += [1.0 - _ramp(n_cloud, 0.0, 6.0), 1.0 - _ramp(n_water, 0.0, 6.0)]
    return float(np.prod(parts) ** (1.0 / len(parts)))


def potential_fires(slot: GeoSlot, masks: Masks, p: ContextualParams) -> NDArray[np.bool_]:
    """The preliminary classification (non-fire pixels are dropped here)."""
    dt = slot.mir - slot.tir
    with np.errstate(invalid="ignore"):
        day_ok = slot.mir > p.potential_t4_day
        if slot.nir is not None:
            day_ok &= ~(slot.nir >= p.potential_nir_max)
        night_ok = slot.mir > p.potential_t4_night
        potential = np.where(masks.day, day_ok, night_ok) & (dt > p.potential_dt)
    return np.asarray(potential & masks.valid)


def contextual_fires(slot: GeoSlot, masks: Masks, p: ContextualParams) -> ContextualResult:
    """Run the contextual test over every potential fire of the slot."""
    t4, t11 = slot.mir, slot.tir
    dt = t4 - t11
    with np.errstate(invalid="ignore"):
        bg_fire = np.where(
            masks.day,
            (t4 > p.background_fire_t4_day) & (dt > p.background_fire_dt_day),
            (t4 > p.background_fire_t4_night) & (dt > p.background_fire_dt_night),
        )
        absolute = np.where(masks.day, t4 > p.absolute_t4_day, t4 > p.absolute_t4_night) & masks.valid
    usable = masks.valid & ~bg_fire
    potential = potential_fires(slot, masks, p) | absolute
    glint = glint_rejected(slot, masks, p)
    n_cloud, n_water = adjacent_count(masks.cloud), adjacent_count(masks.water)
    fire = np.zeros(slot.shape, bool)
    background = np.full(slot.shape, np.nan, np.float32)
    confidence = np.full(slot.shape, np.nan, np.float32)
    missing = 0
    for row, col in np.argwhere(potential).tolist():
        bg = background_at(row, col, t4, t11, usable, bg_fire, p)
        day = bool(masks.day[row, col])
        if bg is None:
            missing += 1
        else:
            background[row, col] = bg.t4
        hit = bool(absolute[row, col]) or (
            bg is not None and _passes(float(t4[row, col]), float(t11[row, col]), day, bg, p)
        )
        if hit and not glint[row, col]:
            fire[row, col] = True
            confidence[row, col] = _confidence(
                float(t4[row, col]),
                float(dt[row, col]),
                bg,
                day,
                int(n_cloud[row, col]),
                int(n_water[row, col]),
            )
    return ContextualResult(fire, absolute & fire, background, confidence, int(potential.sum()), missing)
