"""Per-pixel active-fire tests, written once for numpy and ONNX (see ``expr``).

Thresholds follow the published papers as implemented in pereira-gha/activefire
(create_masks.py) and checked against ``shared/reference/satellite-fire.md``:

* Schroeder et al. 2016 (RSE 185): TOA reflectance *without* sun-angle correction;
* Kumar & Roy 2018 "GOLI" (IJDE 11): sun-corrected TOA reflectance;
* Murphy et al. 2016 HOTMAP (RSE 177) ported to Sentinel-2 (B12, B11, B8A as OLI B7, B6, B5),
  the best threshold method on Sentinel-2 manual labels in Fusioka et al. 2024 (F1 0.758).

Outputs are boolean masks; neighbourhood and contextual steps happen in numpy afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCHROEDER = {
    "eq1_r75": 2.5,
    "eq1_d75": 0.3,
    "eq1_b7": 0.5,
    "eq2_b6": 0.8,
    "eq2_b1": 0.2,
    "eq2_b5": 0.4,
    "eq2_b7": 0.1,
    "eq3_r75": 1.8,
    "eq3_d75": 0.17,
    "eq6_r76": 1.6,
    "water_b1_b7": 0.2,
}

GOLI = {
    "eq12_slope": 0.53,
    "eq12_offset": 0.214,
    "eq13_slope": 0.35,
    "eq13_offset": 0.044,
    "eq14_slope": 0.53,
    "eq14_offset": 0.125,
    "eq15_slope": 1.08,
    "eq15_offset": 0.048,
}

HOTMAP_S2 = {"r_12_11": 1.4, "r_12_8a": 1.4, "b12_min": 0.15, "r_11_8a": 2.0, "b11_min": 0.5}


def schroeder(b: Mapping[str, Any], xp: Any) -> dict[str, Any]:
    """Schroeder 2016: unambiguous (Eq 1, 2), candidate (Eq 3, 6), water (Eq 7-9), b7 > 0."""
    t = SCHROEDER
    r75 = xp.safe_div(b["b7"], b["b5"])
    d75 = b["b7"] - b["b5"]
    r76 = xp.safe_div(b["b7"], b["b6"])
    eq1 = (r75 > t["eq1_r75"]) & (d75 > t["eq1_d75"]) & (b["b7"] > t["eq1_b7"])
    eq2 = (
        (b["b6"] > t["eq2_b6"])
        & (b["b1"] < t["eq2_b1"])
        & ((b["b5"] > t["eq2_b5"]) | (b["b7"] < t["eq2_b7"]))
    )
    candidate = (r75 > t["eq3_r75"]) & (d75 > t["eq3_d75"]) & (r76 > t["eq6_r76"])
    eq7 = (
        (b["b4"] > b["b5"])
        & (b["b5"] > b["b6"])
        & (b["b6"] > b["b7"])
        & (b["b1"] - b["b7"] < t["water_b1_b7"])
    )
    eq89 = (b["b3"] > b["b2"]) | ((b["b1"] > b["b2"]) & (b["b2"] > b["b3"]) & (b["b3"] > b["b4"]))
    return {"unambiguous": eq1 | eq2, "candidate": candidate, "water": eq7 & eq89, "positive": b["b7"] > 0}


def goli(b: Mapping[str, Any], xp: Any) -> dict[str, Any]:  # noqa: ARG001 - same signature for every test set
    """Kumar & Roy 2018: Eq 12 (unambiguous), Eq 13 (near Eq 12), Eq 14/15 (potential), Eq 16 (water)."""
    t = GOLI
    eq12 = b["b4"] <= t["eq12_slope"] * b["b7"] - t["eq12_offset"]
    eq13 = b["b4"] <= t["eq13_slope"] * b["b6"] - t["eq13_offset"]
    eq14 = b["b4"] <= t["eq14_slope"] * b["b7"] - t["eq14_offset"]
    eq15 = b["b6"] <= t["eq15_slope"] * b["b7"] - t["eq15_offset"]
    water = (b["b2"] > b["b3"]) & (b["b3"] > b["b4"]) & (b["b4"] > b["b5"])
    return {"eq12": eq12, "eq13": eq13, "potential": eq14 | eq15, "water": water, "positive": b["b7"] > 0}


def hotmap_s2(b: Mapping[str, Any], xp: Any) -> dict[str, Any]:
    """HOTMAP on Sentinel-2: unambiguous (Murphy Eq 2) and the per-pixel half of Eq 3."""
    t = HOTMAP_S2
    unambiguous = (
        (xp.safe_div(b["b12"], b["b11"]) >= t["r_12_11"])
        & (xp.safe_div(b["b12"], b["b8a"]) >= t["r_12_8a"])
        & (b["b12"] >= t["b12_min"])
    )
    near_test = (xp.safe_div(b["b11"], b["b8a"]) >= t["r_11_8a"]) & (b["b11"] >= t["b11_min"])
    return {"unambiguous": unambiguous, "near_test": near_test}


# Prefilters: cheap numpy tests that are strict supersets of each detector's fire tests
# (looser constants, margins far above float32 rounding), so the graph runs only where a
# fire is possible. tests/detect/test_sparse.py checks the superset property.


def schroeder_prefilter(b: Mapping[str, Any]) -> Any:
    """Superset of Eq 1, Eq 2 and Eq 3+6: R75 > 1.75 (or b5 <= 0), or b6 > 0.79."""
    return (b["b7"] > 1.75 * b["b5"]) | (b["b5"] <= 0) | (b["b6"] > 0.79)


def goli_prefilter(b: Mapping[str, Any]) -> Any:
    """Superset of Eq 12, 14 and 15 (Eq 12 implies Eq 14)."""
    return (b["b4"] <= 0.531 * b["b7"] - 0.12) | (b["b6"] <= 1.081 * b["b7"] - 0.045)


HOTMAP_S2_B12_MIN = 0.149  # the prefilter's absolute half, checked at the pixels its ratio half selects


def hotmap_s2_prefilter(b: Mapping[str, Any]) -> Any:
    """Superset of the HOTMAP unambiguous test."""
    return (b["b12"] >= HOTMAP_S2_B12_MIN) & hotmap_s2_ratio_prefilter(b)


def hotmap_s2_ratio_prefilter(b: Mapping[str, Any]) -> Any:
    """The selective half of the HOTMAP prefilter (bright soil passes B12 >= 0.149, almost nothing this)."""
    return b["b12"] >= 1.39 * b["b11"]
