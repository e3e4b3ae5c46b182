"""Bare-soil spectral indices and sky/surface masks, written once for numpy and ONNX.

Band names are generic (``blue green red nir swir1 swir2``); ``BAND_MAPS`` says which
scene band each one is for Sentinel-2 (B2 B3 B4 B8 B11 B12) and Landsat 8/9 OLI
(B2 B3 B4 B5 B6 B7). Index formulas are those of the Awesome-Spectral-Indices catalogue
(spyndex), checked against it in ``tests/detect/test_dust_indices.py``:

* NDVI  = (N - R) / (N + R)                      Rouse 1974
* BSI   = ((S1 + R) - (N + B)) / ((S1 + R) + (N + B))   Rikimaru et al. 2002
* MNDWI = (G - S1) / (G + S1)                    Xu 2006 (also the NDSI snow index)
* NDBI  = (S1 - N) / (S1 + N)                    Zha et al. 2003
* MBI   = (S1 - S2 - N) / (S1 + S2 + N) + 0.5    Nguyen et al. 2021

Masks come before any bare-soil rule (a cloudy scene has NDVI ~0.17 everywhere):

* cloud: the Fmask "potential cloud pixel" tests that need no thermal band (Zhu &
  Woodcock 2012, RSE 118: basic test on SWIR2/NDSI/NDVI, whiteness < 0.7, HOT > 0,
  NIR/SWIR1 > 0.75);
* snow: NDSI > 0.15 with NIR > 0.11 and green > 0.1 (Fmask snow test);
* water: MNDWI > 0 and NIR < 0.15 (water is dark in the NIR);
* shadow / dark: NIR + SWIR1 < 0.15 (cloud shadows and deep terrain shadow).

``candidate`` is the loosest bare-soil test (BSI > 0, NDVI < 0.30 on clear land): the
scene-adaptive thresholds are always clamped inside it (``thresholds``), so evaluating
the final rule only at candidates loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

GENERIC = ("blue", "green", "red", "nir", "swir1", "swir2")
BAND_MAPS: dict[str, dict[str, str]] = {
    "sentinel2": {"blue": "b2", "green": "b3", "red": "b4", "nir": "b8", "swir1": "b11", "swir2": "b12"},
    "landsat": {"blue": "b2", "green": "b3", "red": "b4", "nir": "b5", "swir1": "b6", "swir2": "b7"},
}

MASKS = {
    "cloud_swir2_min": 0.03,
    "cloud_ndsi_max": 0.8,
    "cloud_ndvi_max": 0.8,
    "whiteness_max": 0.7,
    "hot_red_slope": 0.5,
    "hot_offset": 0.08,
    "cloud_nir_swir1_min": 0.75,
    "snow_ndsi_min": 0.15,
    "snow_nir_min": 0.11,
    "snow_green_min": 0.1,
    "water_mndwi_min": 0.0,
    "water_nir_max": 0.15,
    "dark_nir_swir1_max": 0.15,
    "candidate_bsi_min": 0.0,
    "candidate_ndvi_max": 0.30,
}


def normalized_difference(a: Any, b: Any, xp: Any) -> Any:
    """(a - b) / (a + b), zero denominators replaced by epsilon."""
    return xp.safe_div(a - b, a + b)


def ndvi(b: Mapping[str, Any], xp: Any) -> Any:
    """Normalized Difference Vegetation Index."""
    return normalized_difference(b["nir"], b["red"], xp)


def bsi(b: Mapping[str, Any], xp: Any) -> Any:
    """Bare Soil Index (spyndex "BI")."""
    return xp.safe_div((b["swir1"] + b["red"]) - (b["nir"] + b["blue"]), bsi_denominator(b))


def bsi_denominator(b: Mapping[str, Any]) -> Any:
    """(S1 + R) + (N + B): positive on any valid land pixel."""
    return (b["swir1"] + b["red"]) + (b["nir"] + b["blue"])


def mndwi(b: Mapping[str, Any], xp: Any) -> Any:
    """Modified Normalized Difference Water Index (same formula as NDSI)."""
    return normalized_difference(b["green"], b["swir1"], xp)


def ndbi(b: Mapping[str, Any], xp: Any) -> Any:
    """Normalized Difference Built-up Index."""
    return normalized_difference(b["swir1"], b["nir"], xp)


def mbi(b: Mapping[str, Any], xp: Any) -> Any:
    """Modified Bare soil Index, range -0.5 .. 1.5."""
    return xp.safe_div(b["swir1"] - b["swir2"] - b["nir"], b["swir1"] + b["swir2"] + b["nir"]) + 0.5


def sky_masks(b: Mapping[str, Any], xp: Any, v: Any, w: Any) -> dict[str, Any]:
    """Cloud, snow, water and dark masks (``v`` = NDVI, ``w`` = MNDWI/NDSI)."""
    t = MASKS
    mean_vis = (b["blue"] + b["green"] + b["red"]) * (1.0 / 3.0)
    spread = xp.abs(b["blue"] - mean_vis) + xp.abs(b["green"] - mean_vis) + xp.abs(b["red"] - mean_vis)
    whiteness = xp.safe_div(spread, mean_vis)
    hot = b["blue"] - t["hot_red_slope"] * b["red"] - t["hot_offset"]
    cloud = (
        (b["swir2"] > t["cloud_swir2_min"])
        & (w < t["cloud_ndsi_max"])
        & (v < t["cloud_ndvi_max"])
        & (whiteness < t["whiteness_max"])
        & (hot > 0.0)
        & (b["nir"] > t["cloud_nir_swir1_min"] * b["swir1"])
    )
    snow = (w > t["snow_ndsi_min"]) & (b["nir"] > t["snow_nir_min"]) & (b["green"] > t["snow_green_min"])
    water = (w > t["water_mndwi_min"]) & (b["nir"] < t["water_nir_max"])
    dark = (b["nir"] + b["swir1"]) < t["dark_nir_swir1_max"]
    return {"cloud": cloud, "snow": snow, "water": water, "dark": dark}


def bare_soil(b: Mapping[str, Any], xp: Any) -> dict[str, Any]:
    """Index values (float) and masks (bool) for the bare-soil detector."""
    t = MASKS
    v = ndvi(b, xp)
    s = bsi(b, xp)
    w = mndwi(b, xp)
    masks = sky_masks(b, xp, v, w)
    land = ~(masks["cloud"] | masks["snow"] | masks["water"] | masks["dark"])
    candidate = (
        land & (s > t["candidate_bsi_min"]) & (v < t["candidate_ndvi_max"]) & (bsi_denominator(b) > 0.0)
    )
    return {
        "ndvi": v,
        "bsi": s,
        "mbi": mbi(b, xp),
        "ndbi": ndbi(b, xp),
        "cloud": masks["cloud"],
        "land": land,
        "candidate": candidate,
    }


PREFILTER_MARGIN = 1e-3  # far above float32 rounding of the index


def bare_soil_prefilter(b: Mapping[str, Any], min_bsi: float = 0.0) -> Any:
    """Superset of ``candidate`` with BSI > ``min_bsi`` (no threshold a scene can get is lower).

    With a positive denominator, BSI > t means (S1 + R)(1 - t) > (N + B)(1 + t), i.e.
    S1 + R > k (N + B) with k = (1 + t) / (1 - t); t is lowered by a margin, and t = 0
    gives exactly the graph's own ``BSI > 0``.
    """
    k = prefilter_slope(min_bsi)
    bright, dark = b["swir1"] + b["red"], b["nir"] + b["blue"]
    return bright > np.float32(k) * dark if k != 1.0 else bright > dark


def prefilter_slope(min_bsi: float) -> float:
    """k of ``bare_soil_prefilter`` (1 for BSI > 0)."""
    t = max(min_bsi - PREFILTER_MARGIN, 0.0)
    return (1.0 + t) / (1.0 - t)
