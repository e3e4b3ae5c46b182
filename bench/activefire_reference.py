"""Bench-only: the reference numpy fire masks of pereira-gha/activefire, for speed and mask comparison.

Source: https://github.com/pereira-gha/activefire, ``src/landsat/create_masks.py`` (functions
``getFireMaskSchroeder``, ``getFireMaskGOLI``, ``getFireMaskMurphy`` and the ``Seq*``/``Geq*``/``Meq*``
equations they call), by G. H. de Almeida Pereira, A. M. Fusioka, B. T. Nassu and R. Minetto,
released with their dataset under CC-BY-4.0 (the licence named for it in issue 16; the repository
itself has no LICENSE file to check). Re-expressed for numpy 2 (``np.int`` is gone; bands are a dict
``{1: b1, ...}`` instead of a list) with the same whole-image numpy steps and the same per-candidate
loops (``np.nanmean``/``np.nanstd`` on slices, the window growing 5 x 5 -> 61 x 61 for GOLI), so its
speed is the reference's. firegrid never imports this module; it exists so that
``bench/satellite.py`` can time the reference next to firegrid's detectors on the same arrays and
check that the masks are equal.

One deliberate change, flagged where it is made: the reference's Murphy Eq 3 guards the B6/B5 division with
``np.where(bands[5] > 0, eps, bands[5])`` - the condition is inverted, so every pixel with a positive B5 gets
the ratio B6/eps and passes. ``murphy(..., fixed_guard=True)`` uses ``bands[5] == 0`` like the reference's
own Eq 2; the bench compares firegrid's HOTMAP with that corrected version and says so.
"""

from __future__ import annotations

import cv2
import numpy as np

Bands = dict[int, np.ndarray]
EPS64 = np.finfo(float).eps
_KERNEL = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


def _ignoring(band7: np.ndarray, r75: np.ndarray, ignored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R75 and band 7 with the ignored pixels set to NaN (the reference's ``*_ignored`` copies)."""
    r75_ignored = r75.copy()
    r75_ignored[ignored] = np.nan
    band7_ignored = band7.copy()
    band7_ignored[ignored] = np.nan
    return r75_ignored, band7_ignored


def schroeder(bands: Bands) -> np.ndarray:
    """``getFireMaskSchroeder``: Eq 1-2 unambiguous, Eq 3+6 candidates, Eq 4-5 on 61 x 61, Eq 7-9 water."""
    b = bands
    r75 = b[7] / b[5]
    diff75 = b[7] - b[5]
    unamb = np.logical_and(b[7] > 0.5, np.logical_and(r75 > 2.5, diff75 > 0.3))
    unamb = np.logical_or(
        unamb, np.logical_and(b[6] > 0.8, np.logical_and(b[1] < 0.2, np.logical_or(b[5] > 0.4, b[7] < 0.1)))
    )
    potential = np.logical_and(r75 > 1.8, diff75 > 0.17)
    p6 = np.where(b[6] == 0, EPS64, b[6])
    potential = np.logical_and(potential, b[7] / p6 > 1.6)
    water = _water_schroeder(b)
    if np.any(potential):
        ignored = np.logical_or(b[7] <= 0, np.logical_or(unamb, water))
        r75_i, b7_i = _ignoring(b[7], r75, ignored)
        ys, xs = np.nonzero(potential)
        for y, x in zip(ys, xs, strict=True):
            t, bt = max(0, y - 30), min(potential.shape[0], y + 31)
            lf, rt = max(0, x - 30), min(potential.shape[1], x + 31)
            eq4 = r75[y, x] > np.nanmean(r75_i[t:bt, lf:rt]) + np.maximum(
                3 * np.nanstd(r75_i[t:bt, lf:rt]), 0.8
            )
            eq5 = b[7][y, x] > np.nanmean(b7_i[t:bt, lf:rt]) + np.maximum(
                3 * np.nanstd(b7_i[t:bt, lf:rt]), 0.08
            )
            if not eq4 or not eq5:
                potential[y, x] = False
    return np.logical_and(np.logical_or(unamb, potential), np.logical_not(water))


def _water_schroeder(b: Bands) -> np.ndarray:
    eq7 = np.logical_and(
        b[4] > b[5], np.logical_and(b[5] > b[6], np.logical_and(b[6] > b[7], b[1] - b[7] < 0.2))
    )
    return np.logical_and(
        eq7, np.logical_or(b[3] > b[2], np.logical_and(b[1] > b[2], np.logical_and(b[2] > b[3], b[3] > b[4])))
    )


def goli(bands: Bands) -> np.ndarray:
    """``getFireMaskGOLI``: Eq 12-13 unambiguous, Eq 14/15 potential, growing Eq 8-9, Eq 16 water."""
    b = bands
    valid = cv2.erode((b[7] > 0).astype(np.uint8), _KERNEL).astype(np.uint8)
    unamb = np.logical_and(valid, b[4] <= 0.53 * b[7] - 0.214)
    if np.any(unamb):
        near = cv2.dilate(unamb.astype(np.uint8), _KERNEL).astype(unamb.dtype)
        unamb = np.logical_and(valid, np.logical_or(unamb, np.logical_and(near, b[4] <= 0.35 * b[6] - 0.044)))
    potential = np.logical_or(b[4] <= 0.53 * b[7] - 0.125, b[6] <= 1.08 * b[7] - 0.048)
    potential = np.logical_and(valid, potential)
    water = np.logical_and(np.logical_and(b[2] > b[3], b[3] > b[4]), b[4] > b[5])
    if np.any(potential):
        potential = _growing(b, valid, unamb, potential, water)
    return np.logical_and(np.logical_or(unamb, potential), np.logical_not(water))


def _growing(
    b: Bands, valid: np.ndarray, unamb: np.ndarray, potential: np.ndarray, water: np.ndarray
) -> np.ndarray:
    ignored = np.logical_or(np.logical_or(unamb, np.logical_or(potential, water)), np.logical_not(valid))
    kept = np.logical_not(ignored)
    r75 = b[7] / b[5]
    r75_i, b7_i = _ignoring(b[7], r75, ignored)
    ys, xs = np.nonzero(potential)
    for y, x in zip(ys, xs, strict=True):
        tested = False
        for w in range(5, 63, 2):
            t, bt = max(0, y - w // 2), min(potential.shape[0], y + w // 2 + 1)
            lf, rt = max(0, x - w // 2), min(potential.shape[1], x + w // 2 + 1)
            if np.count_nonzero(kept[t:bt, lf:rt]) >= 0.25 * (bt - t) * (rt - lf):
                tested = True
                eq8 = r75[y, x] > np.nanmean(r75_i[t:bt, lf:rt]) + np.maximum(
                    3 * np.nanstd(r75_i[t:bt, lf:rt]), 0.8
                )
                eq9 = b[7][y, x] > np.nanmean(b7_i[t:bt, lf:rt]) + np.maximum(
                    3 * np.nanstd(b7_i[t:bt, lf:rt]), 0.08
                )
                if not eq8 or not eq9:
                    potential[y, x] = False
                break
        if not tested:
            potential[y, x] = False
    return potential


def murphy(bands: Bands, saturated: np.ndarray, fixed_guard: bool = False) -> np.ndarray:
    """``getFireMaskMurphy``: Eq 2 unambiguous, Eq 3 next to them (see the module note on its guard)."""
    b = bands
    p5 = np.where(b[5] == 0, EPS64, b[5])
    p6 = np.where(b[6] == 0, EPS64, b[6])
    unamb = np.logical_and(b[7] >= 0.15, np.logical_and(b[7] / p6 >= 1.4, b[7] / p5 >= 1.4))
    if not np.any(unamb):
        return unamb
    near = cv2.dilate(unamb.astype(np.uint8), _KERNEL).astype(unamb.dtype)
    q5 = np.where(b[5] == 0, EPS64, b[5]) if fixed_guard else np.where(b[5] > 0, EPS64, b[5])  # changed
    potential = np.logical_and(near, np.logical_or(np.logical_and(b[6] / q5 >= 2.0, b[6] >= 0.5), saturated))
    return unamb | potential
