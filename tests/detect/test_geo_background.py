"""The per-pixel temporal background on a synthetic sequence of slots: a diurnal curve per pixel,
day-to-day weather, noise, passing clouds, and a small fire of a few kelvin appearing at slot k."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.geostationary.background import BackgroundStore, bin_index, block_median
from firegrid.detect.geostationary.fires import detect_slot
from firegrid.detect.geostationary.params import GeoDetectorParams
from tests.detect.geo_helpers import Landscape, slot_times, synthetic_slot

FIRE_PIXEL = (12, 17)
FIRE_K = 3.0  # a small straw fire: +3 K at 3.9 µm, +0.3 K at 11 µm over a ~7.5 km² pixel


def _run(
    root: Path, seed: int, days: int, k: int, fire_k: float
) -> tuple[list[tuple[int, int, int, str]], int]:
    land = Landscape(np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 100)
    alarms = []
    times = slot_times(days)
    for i, when in enumerate(times):
        cloud = rng.random(land.shape) < 0.3 if i % 7 == 0 else None  # a cloud field every 70 minutes
        if cloud is not None and i == k:
            cloud[FIRE_PIXEL] = False  # a fire under a cloud is not seen by anyone
        fire = (*FIRE_PIXEL, fire_k) if i >= k else None
        result = detect_slot(synthetic_slot(land, when, cloud=cloud, fire=fire), background_root=root)
        alarms += [(i, f.row, f.col, f.method) for f in result.fires]
    return alarms, len(times)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_small_fire_is_caught_at_its_first_slot_and_nothing_alarms_before(tmp_path: Path, seed: int) -> None:
    days = 5
    k = (days - 1) * 144 + 36 + seed  # the fifth day, ~14:00 local: the warmest and noisiest hour
    alarms, n = _run(tmp_path, seed, days, k, FIRE_K)
    assert [a for a in alarms if a[0] < k] == []  # no alarm anywhere before the fire
    assert (k, *FIRE_PIXEL, "temporal") in alarms  # caught at slot k, by the temporal test
    caught = {a[0] for a in alarms if a[1:3] == FIRE_PIXEL}
    assert len(caught) >= 0.8 * (n - k)  # and seen again in most later (cloud-free) slots
    assert {a[1:3] for a in alarms} == {FIRE_PIXEL}


@pytest.mark.slow
def test_the_contextual_test_alone_misses_that_fire(tmp_path: Path) -> None:
    land = Landscape(np.random.default_rng(0))
    when = slot_times(1)[36]
    result = detect_slot(synthetic_slot(land, when, fire=(*FIRE_PIXEL, FIRE_K)))  # no history
    assert result.fires == []
    assert "no temporal background" in " ".join(result.notes)


def test_a_replayed_slot_does_not_teach_the_background_twice(tmp_path: Path) -> None:
    land = Landscape(np.random.default_rng(2))
    when = slot_times(1)[40]
    slot = synthetic_slot(land, when)
    detect_slot(slot, background_root=tmp_path)
    store = BackgroundStore(tmp_path, slot.grid_key, slot.shape)
    first = store.load_bin(bin_index(when, 10))
    detect_slot(synthetic_slot(land, when, fire=(3, 3, 50.0)), background_root=tmp_path)
    again = store.load_bin(bin_index(when, 10))
    assert np.array_equal(first.n, again.n) and np.array_equal(first.t4, again.t4, equal_nan=True)
    assert int(first.n.max()) == 1
    later = synthetic_slot(land, when + timedelta(days=1))
    detect_slot(later, background_root=tmp_path)
    assert int(store.load_bin(bin_index(when, 10)).n.max()) == 2


def test_background_state_is_kept_per_grid_and_survives_a_new_store(tmp_path: Path) -> None:
    land = Landscape(np.random.default_rng(4))
    when = slot_times(1)[10]
    detect_slot(synthetic_slot(land, when, grid_key="a"), background_root=tmp_path)
    assert (tmp_path / "a" / f"bin_{bin_index(when, 10):03d}.npz").is_file()
    assert not (tmp_path / "b").exists()
    other_shape = BackgroundStore(tmp_path, "a", (5, 5)).load_bin(bin_index(when, 10))
    assert int(other_shape.n.max()) == 0  # another crop of the grid starts from nothing


def test_block_median_ignores_nan_and_one_outlier() -> None:
    values = np.full((6, 6), 1.0, np.float32)
    values[0, 0] = 50.0
    values[5, 5] = np.nan
    med = block_median(values, 3)
    assert med.shape == (6, 6) and np.all(med == 1.0)
    assert np.isnan(block_median(np.full((3, 3), np.nan, np.float32), 3)).all()


def test_params_say_what_can_alarm() -> None:
    p = GeoDetectorParams().temporal
    assert p.min_anomaly_k < FIRE_K and p.min_days >= 2
