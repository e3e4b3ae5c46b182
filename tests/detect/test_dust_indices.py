"""Bare-soil indices and masks: hand-computed values, the spyndex catalogue, the real cloudy scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spyndex

from firegrid.detect.dust import indices
from firegrid.detect.satellite.expr import NumpyOps, evaluate
from tests.detect.dust_helpers import scenes

SOIL = {"blue": 0.10, "green": 0.14, "red": 0.19, "nir": 0.25, "swir1": 0.34, "swir2": 0.28}
XP = NumpyOps()


def arrays(values: dict[str, float]) -> dict[str, np.ndarray]:
    return {k: np.array([v], np.float32) for k, v in values.items()}


def test_indices_by_hand() -> None:
    b = arrays(SOIL)
    assert indices.ndvi(b, XP)[0] == pytest.approx((0.25 - 0.19) / (0.25 + 0.19), abs=1e-6)
    assert indices.bsi(b, XP)[0] == pytest.approx((0.53 - 0.35) / (0.53 + 0.35), abs=1e-6)  # 0.2045
    assert indices.mndwi(b, XP)[0] == pytest.approx((0.14 - 0.34) / 0.48, abs=1e-6)
    assert indices.ndbi(b, XP)[0] == pytest.approx((0.34 - 0.25) / 0.59, abs=1e-6)
    assert indices.mbi(b, XP)[0] == pytest.approx((0.34 - 0.28 - 0.25) / 0.87 + 0.5, abs=1e-6)
    out = evaluate(indices.bare_soil, arrays(SOIL))
    assert out["land"][0] and out["candidate"][0] and not out["cloud"][0]


SPYNDEX = {
    "NDVI": indices.ndvi,
    "BI": indices.bsi,
    "MNDWI": indices.mndwi,
    "NDBI": indices.ndbi,
    "MBI": indices.mbi,
}
SYMBOLS = {"B": "blue", "G": "green", "R": "red", "N": "nir", "S1": "swir1", "S2": "swir2"}


@pytest.mark.parametrize("name", sorted(SPYNDEX))
def test_indices_match_the_spyndex_catalogue(name: str) -> None:
    rng = np.random.default_rng(5)
    bands = {g: rng.uniform(0.01, 0.6, 5000).astype(np.float64) for g in indices.GENERIC}
    expected = spyndex.computeIndex(name, params={s: bands[g] for s, g in SYMBOLS.items()})
    ours = SPYNDEX[name]({k: v.astype(np.float32) for k, v in bands.items()}, XP)
    np.testing.assert_allclose(ours, expected, rtol=2e-5, atol=2e-6)


def test_prefilter_is_a_superset_of_candidate() -> None:
    rng = np.random.default_rng(2)
    b = {g: rng.uniform(-0.05, 0.8, (400, 400)).astype(np.float32) for g in indices.GENERIC}
    b["red"][rng.random((400, 400)) < 0.01] = 0.0
    with np.errstate(all="ignore"):
        full = evaluate(indices.bare_soil, b)
        keep = np.asarray(indices.bare_soil_prefilter(b))
    assert full["candidate"].any() and not (full["candidate"] & ~keep).any()
    assert keep.mean() < 0.8


@pytest.mark.shared_data
def test_clouds_are_masked_on_the_real_cloudy_scene(shared_data: Path) -> None:
    data = scenes(shared_data)
    names = {"blue": 1, "green": 2, "red": 3, "nir": 7, "swir1": 11, "swir2": 12}
    fractions = []
    for t in range(5):
        out = evaluate(indices.bare_soil, {g: data[t][..., i] for g, i in names.items()})
        fractions.append((out["cloud"].mean(), out["candidate"].mean()))
        ndvi = out["ndvi"]
        if t == 0:  # the notes' trap: NDVI ~0.17 everywhere would read as bare soil
            assert np.median(ndvi) < 0.2
    assert fractions[0][0] > 0.95  # cloudy
    assert all(cloud < 0.01 for cloud, _ in fractions[2:])  # clear
    assert all(candidate < 0.001 for _, candidate in fractions)  # (5 cloud-edge pixels in scene 0)
