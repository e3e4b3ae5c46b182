"""The per-pixel temporal background: what each pixel's 3.9 µm brightness temperature should be now.

A geostationary imager sees every pixel at the same times every day, so each pixel has its own
diurnal curve. For each pixel and each time-of-day bin (10 min: one Himawari slot per day) firegrid
keeps an exponentially weighted mean, over the recent clear-sky days, of T4 and of ΔT = T4 − T11
(memory ~7 days, so the curve follows the season). For a new slot:

1. residual ``r4 = T4 − E[T4 | pixel, bin]`` (and ``rΔT`` likewise) for clear pixels;
2. the common shift (today warmer or hazier than the recent days) is removed: the median residual of
   the pixel's 15 x 15 block is subtracted from r4 and rΔT;
3. the pixel alarms when its bin has ≥ 3 clear days, ``r4 > max(2 K, 4 σ)`` with σ the pixel's own
   running residual standard deviation, and ``rΔT > 0.5 r4`` (a fire heats 3.9 µm far more than 11 µm;
   a warmer surface heats both).

Clear, non-fire pixels then update their bin with the shift taken out (the bin learns the pixel's
own curve, not the weather of the days it happened to be clear), and σ. A slot older than what a bin
already holds is evaluated but does not update it, so replays and backfills are idempotent.

This is firegrid's own method. Estimating each pixel's fire-free MIR signal from its own time series
is the idea of Roberts & Wooster (2014, RSE 152:392-412: a Kalman filter on the SEVIRI diurnal cycle)
and Xie et al. (2018, Remote Sens. 10:1992: diurnal temperature cycles of Himawari-8 pixels); binning
by time of day with a weekly memory is simpler and needs no model of the diurnal shape.

State lives in files under ``FIREGRID_HOME/geostationary/background/<grid key>/``: one ``.npz`` per
time-of-day bin (expected T4 and ΔT, clear-day count, newest slot applied) and one for σ. A slot
reads and writes one bin (~5 bytes per pixel), so the state never has to be held in memory whole,
survives restarts, and is dropped by deleting the folder. It is a cache of what the imagery says, not
a record: it is not in the database, and a new grid (another crop) starts its own.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.geostationary.params import TemporalParams

F32 = NDArray[np.float32]
Mask = NDArray[np.bool_]


@dataclass
class BinState:
    """Expected T4 and ΔT of one time-of-day bin, its clear-day count and newest slot (epoch s)."""

    t4: F32
    dt: F32
    n: NDArray[np.uint8]
    last: float

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> BinState:
        """A bin that has seen nothing."""
        return cls(
            np.full(shape, np.nan, np.float32),
            np.full(shape, np.nan, np.float32),
            np.zeros(shape, np.uint8),
            -1.0,
        )


@dataclass
class ResidualState:
    """Each pixel's running residual variance (K²) and how many slots it rests on."""

    var: F32
    n: NDArray[np.uint32]

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> ResidualState:
        """No residuals yet."""
        return cls(np.zeros(shape, np.float32), np.zeros(shape, np.uint32))


@dataclass
class Anomaly:
    """The temporal test's verdict for one slot."""

    fire: Mask
    expected_t4: F32  # E[T4] + the common shift: the background for FRP (NaN: unknown)
    residual: F32  # r4 after the shift (NaN: not evaluated)
    sigma: F32
    shift_t4: F32  # the common shift of T4 and ΔT removed from each pixel (NaN: none known)
    shift_dt: F32
    evaluated: int  # pixels with enough history to be tested


class BackgroundStore:
    """Bins of one grid in a folder; writes are atomic (temporary file + rename)."""

    def __init__(self, root: Path, grid_key: str, shape: tuple[int, int]) -> None:
        self.folder = root / grid_key
        self.shape = shape

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.npz"

    def load_bin(self, index: int) -> BinState:
        """The state of a bin (empty when never written or written for another shape)."""
        path = self._path(f"bin_{index:03d}")
        if not path.is_file():
            return BinState.empty(self.shape)
        with np.load(path) as data:
            if data["t4"].shape != self.shape:
                return BinState.empty(self.shape)
            return BinState(data["t4"], data["dt"], data["n"], float(data["last"]))

    def save_bin(self, index: int, state: BinState) -> None:
        """Write a bin."""
        self._save(f"bin_{index:03d}", t4=state.t4, dt=state.dt, n=state.n, last=np.float64(state.last))

    def load_residual(self) -> ResidualState:
        """The residual variances (empty when never written)."""
        path = self._path("residual")
        if not path.is_file():
            return ResidualState.empty(self.shape)
        with np.load(path) as data:
            if data["var"].shape != self.shape:
                return ResidualState.empty(self.shape)
            return ResidualState(data["var"], data["n"])

    def save_residual(self, state: ResidualState) -> None:
        """Write the residual variances."""
        self._save("residual", var=state.var, n=state.n)

    def _save(self, name: str, **arrays: NDArray[np.generic] | np.generic) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, self._path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def bin_index(when: datetime, minutes: int) -> int:
    """The time-of-day bin of a slot (UTC)."""
    t = when.astimezone(UTC)
    return (t.hour * 60 + t.minute) // minutes


def block_median(values: F32, block: int) -> F32:
    """Each pixel's value replaced by the NaN-median of its ``block`` x ``block`` tile (NaN if empty)."""
    rows, cols = values.shape
    pr, pc = -rows % block, -cols % block
    padded = np.pad(values, ((0, pr), (0, pc)), constant_values=np.nan)
    tiles = padded.reshape(padded.shape[0] // block, block, padded.shape[1] // block, block)
    flat = tiles.transpose(0, 2, 1, 3).reshape(tiles.shape[0], tiles.shape[2], block * block)
    finite = np.isfinite(flat).any(axis=2)
    med = np.full(finite.shape, np.nan, np.float32)
    med[finite] = np.nanmedian(flat[finite], axis=1)
    return np.repeat(np.repeat(med, block, axis=0), block, axis=1)[:rows, :cols]


def _ewma(old: F32, new: F32, weight: F32, where: Mask) -> F32:
    out = old.copy()
    first = where & ~np.isfinite(old)
    out[first] = new[first]
    step = where & np.isfinite(old)
    out[step] = old[step] + weight[step] * (new[step] - old[step])
    return out


class TemporalBackground:
    """Evaluate a slot against each pixel's own history, then learn from its clear pixels."""

    def __init__(self, store: BackgroundStore, params: TemporalParams, slots_per_day: int) -> None:
        self.store, self.p, self.slots_per_day = store, params, slots_per_day

    def evaluate(self, when: datetime, t4: F32, t11: F32, clear: Mask) -> tuple[Anomaly, BinState]:
        """The anomaly of this slot (state is not changed)."""
        p = self.p
        state = self.store.load_bin(bin_index(when, p.bin_minutes))
        residual_state = self.store.load_residual()
        known = clear & (state.n >= 1) & np.isfinite(state.t4)
        r4 = np.where(known, t4 - state.t4, np.nan).astype(np.float32)
        rdt = np.where(known, (t4 - t11) - state.dt, np.nan).astype(np.float32)
        shift4, shift_dt = block_median(r4, p.shift_block), block_median(rdt, p.shift_block)
        r4, rdt = r4 - shift4, rdt - shift_dt
        sigma = np.sqrt(residual_state.var).astype(np.float32)
        ready = known & (state.n >= p.min_days) & (residual_state.n >= p.min_residual_samples)
        with np.errstate(invalid="ignore"):
            threshold = np.maximum(p.min_anomaly_k, p.sigma_factor * sigma)
            fire = ready & (r4 > threshold) & (rdt > p.min_dt_share * r4)
        expected = np.where(known, state.t4 + shift4, np.nan).astype(np.float32)
        return Anomaly(fire, expected, r4, sigma, shift4, shift_dt, int(ready.sum())), state

    def update(
        self, when: datetime, t4: F32, t11: F32, learn: Mask, anomaly: Anomaly, state: BinState
    ) -> bool:
        """Fold this slot's clear, fire-free pixels into its bin; False when the bin already has it."""
        stamp = when.timestamp()
        if stamp <= state.last:
            return False
        p = self.p
        learn = learn & np.isfinite(t4) & np.isfinite(t11)
        weight = np.maximum(1.0 / (state.n.astype(np.float32) + 1.0), np.float32(1.0 / p.memory_days))
        # learn the pixel's own curve: today's common shift (weather, haze) is taken out first
        t4_own = np.where(np.isfinite(anomaly.shift_t4), t4 - anomaly.shift_t4, t4).astype(np.float32)
        dt_own = np.where(np.isfinite(anomaly.shift_dt), (t4 - t11) - anomaly.shift_dt, t4 - t11)
        new = BinState(
            _ewma(state.t4, t4_own, weight, learn),
            _ewma(state.dt, dt_own.astype(np.float32), weight, learn),
            np.where(learn, np.minimum(state.n.astype(np.int32) + 1, 255), state.n).astype(np.uint8),
            stamp,
        )
        self.store.save_bin(bin_index(when, p.bin_minutes), new)
        residual = self.store.load_residual()
        seen = learn & np.isfinite(anomaly.residual)
        r_weight = np.maximum(
            1.0 / (residual.n.astype(np.float32) + 1.0),
            np.float32(1.0 / (p.memory_days * self.slots_per_day)),
        )
        var = residual.var.copy()
        var[seen] += r_weight[seen] * (anomaly.residual[seen] ** 2 - var[seen])
        n = np.where(seen, np.minimum(residual.n + 1, 1_000_000), residual.n).astype(np.uint32)
        self.store.save_residual(ResidualState(var.astype(np.float32), n))
        return True
