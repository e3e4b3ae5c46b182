from __future__ import annotations

import numpy as np
import pytest

from firegrid.detect.satellite import box_stats
from firegrid.detect.satellite.atlas import Atlas
from firegrid.detect.satellite.box_stats import contextual_test_many
from firegrid.detect.satellite.context import (
    Patches,
    contextual_test,
    dilate3,
    dilate3_stack,
    erode3,
    erode3_stack,
    growing_contextual_test,
)


def field(shape: tuple[int, int] = (81, 81), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    b5 = rng.uniform(0.2, 0.3, shape).astype(np.float32)
    b7 = (b5 * rng.uniform(0.4, 0.6, shape)).astype(np.float32)
    return b7, b5


def fixed(
    b7: np.ndarray, b5: np.ndarray, background: np.ndarray, rows: list[int], cols: list[int]
) -> list[bool]:
    p = Patches(30, np.array(rows), np.array(cols))
    return contextual_test(p.take(b7), p.take(b5), p.take(background)).tolist()


def test_a_hot_pixel_stands_out_and_a_normal_one_does_not() -> None:
    b7, b5 = field()
    b7[40, 40] = 0.6  # r75 ~ 2.4, well above mean + 0.8
    assert fixed(b7, b5, np.ones(b7.shape, bool), [40, 35], [40, 35]) == [True, False]


def test_no_background_rejects() -> None:
    b7, b5 = field()
    b7[40, 40] = 0.6
    assert fixed(b7, b5, np.zeros(b7.shape, bool), [40], [40]) == [False]


def test_background_statistics_match_a_direct_computation() -> None:
    b7, b5 = field(seed=5)
    background = np.random.default_rng(1).random(b7.shape) > 0.3
    r, c = 40, 41
    background[r, c] = False
    patch = (slice(r - 30, r + 31), slice(c - 30, c + 31))
    r75 = (b7 / b5)[patch][background[patch]].astype(np.float64)
    threshold = r75.mean() + max(3 * r75.std(), 0.8)  # numpy's population std, as nanstd
    b7[r, c] = np.float32(b5[r, c] * (threshold + 0.01))
    assert fixed(b7, b5, background, [r], [c]) == [True]
    b7[r, c] = np.float32(b5[r, c] * (threshold - 0.01))
    assert fixed(b7, b5, background, [r], [c]) == [False]


def test_growing_window_needs_a_quarter_of_background() -> None:
    b7, b5 = field()
    b7[40, 40] = 0.6
    inside = np.ones(b7.shape, bool)
    background = np.zeros(b7.shape, bool)
    background[:, :5] = True  # out of reach even of the 61 x 61 window
    p = Patches(30, np.array([40]), np.array([40]))

    def run() -> list[bool]:
        return growing_contextual_test(p.take(b7), p.take(b5), p.take(background), p.take(inside)).tolist()

    assert run() == [False]
    background[36:45, 36:45] = True  # a 9x9 window close by is enough
    background[40, 40] = False
    assert run() == [True]


def test_neighbourhoods() -> None:
    mask = np.zeros((5, 5), bool)
    mask[2, 2] = True
    assert dilate3(mask).sum() == 9
    full = np.ones((5, 5), bool)
    full[2, 2] = False
    eroded = erode3(full, np.ones((5, 5), bool))
    assert not eroded[1:4, 1:4].any() and eroded[0, 0]  # the scene border does not erode


@pytest.mark.parametrize(
    ("zeros", "eps"), [(0.0, None), (0.002, None), (0.0, 1e-4)], ids=["plain", "zero-denominators", "unsure"]
)
def test_integral_statistics_decide_as_the_patches_do(
    zeros: float, eps: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many clustered candidates (integral images); a coarse epsilon makes most unsure: patches decide."""
    if eps is not None:
        monkeypatch.setattr(box_stats, "EPS64", eps)
    rng = np.random.default_rng(2)
    b7, b5 = field((260, 250), seed=3)
    b5[rng.random(b5.shape) < zeros] = 0.0  # R75 = b7 / eps: huge sums, wide error bounds, patch fallback
    background = rng.random(b7.shape) > 0.2
    rows, cols = np.nonzero(np.zeros(b7.shape, bool) | (rng.random(b7.shape) < 0.08))
    inner = (rows >= 30) & (rows < 230) & (cols >= 30) & (cols < 220)
    rows, cols = rows[inner], cols[inner]
    b7[rows, cols] *= rng.uniform(1.0, 4.0, len(rows)).astype(np.float32)
    p = Patches(30, rows, cols)
    expected = contextual_test(p.take(b7), p.take(b5), p.take(background))
    got = contextual_test_many(b7, b5, background, rows, cols, 30)
    assert 0 < expected.sum() < len(expected) and np.array_equal(got, expected)


def clusters(shape: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidates in clusters of 1 to ~40 pixels, far apart and touching, at least 30 inside the array."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(30, np.array(shape) - 30, (12, 2))
    rows, cols = [], []
    for r, c in centres:
        n = int(rng.integers(1, 40))
        rows.append(np.clip(r + rng.integers(-8, 9, n), 30, shape[0] - 31))
        cols.append(np.clip(c + rng.integers(-8, 9, n), 30, shape[1] - 31))
    keys = np.unique(np.concatenate(rows) * shape[1] + np.concatenate(cols))
    return keys // shape[1], keys % shape[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_candidate_window_lies_whole_in_its_atlas_rectangle(seed: int) -> None:
    shape = (400, 330)
    rows, cols = clusters(shape, seed)
    values = np.random.default_rng(seed).random(shape).astype(np.float32)
    atlas = Atlas.around(rows, cols, 30, shape)
    stacked = atlas.take(values, np.nan)
    assert stacked.size < len(rows) * 61 * 61  # shared windows are stored once
    here, there = Patches(30, rows, cols), Patches(30, atlas.rows, atlas.cols)
    assert np.array_equal(there.take(stacked), here.take(values))
    with pytest.raises(ValueError, match="radius"):
        Atlas.around(np.array([29]), np.array([100]), 30, shape)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("eps", [None, 1e-5], ids=["plain", "unsure"])
def test_atlas_statistics_decide_as_the_patches_do(
    seed: int, eps: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clusters apart and touching, NaN and zero denominators around: integral images on the
    atlas (most decisions unsure with a coarse epsilon, which the patches then take) or patches."""
    if eps is not None:
        monkeypatch.setattr(box_stats, "EPS64", eps)
    shape = (400, 330)
    rng = np.random.default_rng(seed)
    b7, b5 = field(shape, seed=seed)
    b5[rng.random(shape) < 0.0001] = 0.0
    b7[rng.random(shape) < 0.001] = np.nan
    background = (rng.random(shape) > 0.2) & np.isfinite(b7)
    rows, cols = clusters(shape, seed)
    b7[rows, cols] *= rng.uniform(1.0, 5.0, len(rows)).astype(np.float32)
    p = Patches(30, rows, cols)
    expected = contextual_test(p.take(b7), p.take(b5), p.take(background))
    assert 0 < expected.sum() < len(expected)
    assert np.array_equal(contextual_test_many(b7, b5, background, rows, cols, 30), expected)
    atlas = Atlas.around(rows, cols, 30, shape)
    stacked = [atlas.take(b7, np.nan), atlas.take(b5, np.nan), atlas.take(background, False)]
    assert np.array_equal(box_stats.on_patches(*stacked, atlas.rows, atlas.cols, 30), expected)


@pytest.mark.parametrize("size", [1, 9, 21])
def test_stacked_morphology_equals_each_patch_on_its_own(size: int) -> None:
    rng = np.random.default_rng(size)
    mask = rng.random((7, size, size)) > 0.4
    inside = rng.random((7, size, size)) > 0.1
    assert np.array_equal(dilate3_stack(mask), np.stack([dilate3(m) for m in mask]))
    expected = np.stack([erode3(m, i) for m, i in zip(mask, inside, strict=True)])
    assert np.array_equal(erode3_stack(mask, inside), expected)
