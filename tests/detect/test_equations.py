"""Each published test on hand-computed pixel vectors (numpy reference implementation)."""

from __future__ import annotations

import numpy as np
import pytest

from firegrid.detect.satellite import equations
from firegrid.detect.satellite.expr import evaluate


def landsat(**bands: float) -> dict[str, np.ndarray]:
    base = {"b1": 0.1, "b2": 0.09, "b3": 0.08, "b4": 0.07, "b5": 0.25, "b6": 0.22, "b7": 0.12}
    base.update(bands)
    return {k: np.array([[v]], dtype=np.float32) for k, v in base.items()}


def one(result: dict[str, np.ndarray]) -> dict[str, bool]:
    return {k: bool(v[0, 0]) for k, v in result.items()}


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ({}, {"unambiguous": False, "candidate": False, "water": False, "positive": True}),  # vegetation
        # Eq 1: b7/b5 = 3.2 > 2.5, b7 - b5 = 0.55 > 0.3, b7 = 0.8 > 0.5
        (
            {"b5": 0.25, "b6": 0.4, "b7": 0.8},
            {"unambiguous": True, "candidate": True, "water": False, "positive": True},
        ),
        # Eq 1 fails on b7 <= 0.5 but Eq 3+6 hold: r75 = 2.0 > 1.8, d75 = 0.24 > 0.17, r76 = 2.4 > 1.6
        (
            {"b5": 0.24, "b6": 0.2, "b7": 0.48},
            {"unambiguous": False, "candidate": True, "water": False, "positive": True},
        ),
        # Eq 6 fails: r76 = 0.48/0.32 = 1.5
        (
            {"b5": 0.24, "b6": 0.32, "b7": 0.48},
            {"unambiguous": False, "candidate": False, "water": False, "positive": True},
        ),
        # Eq 2 (saturated/folded DN): b6 > 0.8, b1 < 0.2, b7 < 0.1
        (
            {"b1": 0.15, "b6": 0.9, "b7": 0.05},
            {"unambiguous": True, "candidate": False, "water": False, "positive": True},
        ),
        # water: b4 > b5 > b6 > b7, b1 - b7 < 0.2, b3 > b2
        (
            {"b1": 0.1, "b2": 0.08, "b3": 0.09, "b4": 0.07, "b5": 0.04, "b6": 0.02, "b7": 0.01},
            {"unambiguous": False, "candidate": False, "water": True, "positive": True},
        ),
        # b5 = 0: the ratio uses float32 epsilon, no division error; b7 = 0 is not positive
        (
            {"b5": 0.0, "b6": 0.0, "b7": 0.0},
            {"unambiguous": False, "candidate": False, "water": False, "positive": False},
        ),
    ],
)
def test_schroeder(bands: dict[str, float], expected: dict[str, bool]) -> None:
    with np.errstate(all="raise"):
        assert one(evaluate(equations.schroeder, landsat(**bands))) == expected


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ({}, {"eq12": False, "eq13": False, "potential": False, "water": False, "positive": True}),
        # Eq 12: 0.05 <= 0.53*0.9 - 0.214 = 0.263; Eq 13: 0.05 <= 0.35*0.6 - 0.044 = 0.166
        (
            {"b4": 0.05, "b6": 0.6, "b7": 0.9},
            {"eq12": True, "eq13": True, "potential": True, "water": False, "positive": True},
        ),
        # Eq 14: 0.1 <= 0.53*0.45 - 0.125 = 0.1135, not Eq 12 (0.0245); Eq 13 alone: 0.1 <= 0.131
        (
            {"b4": 0.1, "b6": 0.5, "b7": 0.45},
            {"eq12": False, "eq13": True, "potential": True, "water": False, "positive": True},
        ),
        # Eq 15 only: b6 = 0.3 <= 1.08*0.35 - 0.048 = 0.33
        (
            {"b4": 0.2, "b6": 0.3, "b7": 0.35},
            {"eq12": False, "eq13": False, "potential": True, "water": False, "positive": True},
        ),
        # Eq 16 water: b2 > b3 > b4 > b5
        (
            {"b2": 0.1, "b3": 0.08, "b4": 0.06, "b5": 0.03},
            {"eq12": False, "eq13": False, "potential": False, "water": True, "positive": True},
        ),
    ],
)
def test_goli(bands: dict[str, float], expected: dict[str, bool]) -> None:
    assert one(evaluate(equations.goli, landsat(**bands))) == expected


@pytest.mark.parametrize(
    ("b8a", "b11", "b12", "unambiguous", "near"),
    [
        (0.3, 0.2, 0.1, False, False),  # vegetation
        (0.2, 0.3, 0.6, True, False),  # 2.0, 3.0, 0.6 >= 0.15
        (0.2, 0.3, 0.14, False, False),  # b12 below 0.15
        (0.2, 0.43, 0.6, False, False),  # b12/b11 = 1.395 < 1.4
        (0.2, 0.6, 0.8, False, True),  # b11/b8a = 3 >= 2 and b11 >= 0.5
        (0.0, 0.0, 0.3, True, False),  # zero denominators: epsilon, no error
        (float("nan"), 0.3, 0.6, False, False),  # nodata never fires
    ],
)
def test_hotmap_s2(b8a: float, b11: float, b12: float, unambiguous: bool, near: bool) -> None:
    bands = {k: np.array([[v]], dtype=np.float32) for k, v in {"b8a": b8a, "b11": b11, "b12": b12}.items()}
    assert one(evaluate(equations.hotmap_s2, bands)) == {"unambiguous": unambiguous, "near_test": near}
