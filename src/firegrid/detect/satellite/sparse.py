"""Evaluate per-pixel graphs only where they can matter: at candidate pixels and in patches.

Straw fires are a few pixels in millions. Each detector first applies a cheap
*prefilter* that is a strict superset of its fire tests (looser thresholds, see
``equations``), then runs its ONNX graph on the gathered pixels or on square patches
around them. The results are identical to evaluating the graph everywhere
(``tests/detect/test_sparse.py`` checks it), at a fraction of the memory traffic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.bands import PaddedBands, gather_bands
from firegrid.detect.satellite.context import Patches
from firegrid.detect.satellite.runtime import PixelModel

Bands = Mapping[str, NDArray[np.float32]]
CHUNK = 256  # candidates per batch of patches (61 x 61 x 4 bytes x bands each)


def chunks(indexes: NDArray[np.intp], size: int = CHUNK) -> list[NDArray[np.intp]]:
    """``indexes`` in batches of at most ``size``."""
    return [indexes[i : i + size] for i in range(0, len(indexes), size)]


def nonzero2(mask: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``np.nonzero`` of a 2-D mask, from ``flatnonzero`` (three times faster on a window)."""
    flat = np.flatnonzero(mask)
    rows = flat // mask.shape[1]
    return rows, flat - rows * mask.shape[1]


def sparse_nonzero(mask: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``np.nonzero`` for a mostly-False 2-D mask: only rows that have a True are scanned."""
    rows_any = np.flatnonzero(mask.any(axis=1))
    if not len(rows_any):
        return np.empty(0, np.intp), np.empty(0, np.intp)
    r, c = nonzero2(mask[rows_any])
    return rows_any[r], c


gather = gather_bands  # one gather per band; the graph and the validity test share it


def at_pixels(
    model: PixelModel,
    bands: Bands,
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    gathered: Bands | None = None,
) -> dict[str, NDArray[Any]]:
    """Graph outputs at individual pixels, as 1-D arrays (``gathered``: the bands already taken there)."""
    values = (
        gathered if gathered is not None else gather({n: bands[n] for n in model.manifest.inputs}, rows, cols)
    )
    return {k: v[0] for k, v in model.run({n: values[n][None, :] for n in model.manifest.inputs}).items()}


def band_patches(bands: Bands, patches: Patches) -> dict[str, NDArray[np.float32]]:
    """(n, size, size) patches of every band; from a ``PaddedBands``' regions, without padding them,
    when every patch lies inside the scene."""
    if isinstance(bands, PaddedBands):
        r, c = bands.dst
        rows, cols = patches.rows - r.start, patches.cols - c.start
        if bands.inside(patches.rows, patches.cols) and _within(rows, cols, patches.radius, bands.regions):
            inner = Patches(patches.radius, rows, cols)
            return {name: inner.take(region) for name, region in bands.regions.items()}
    return {name: patches.take(bands[name]) for name in bands}


def _within(
    rows: NDArray[np.intp], cols: NDArray[np.intp], radius: int, regions: Mapping[str, NDArray[np.float32]]
) -> bool:
    h, w = next(iter(regions.values())).shape
    return bool(
        len(rows) == 0
        or (
            rows.min() >= radius
            and cols.min() >= radius
            and rows.max() < h - radius
            and cols.max() < w - radius
        )
    )


def in_patches(model: PixelModel, values: Bands) -> dict[str, NDArray[np.bool_]]:
    """Graph outputs on (n, size, size) patches of the bands around candidates."""
    n, size, _ = next(iter(values.values())).shape
    stacked = {name: values[name].reshape(n * size, size) for name in model.manifest.inputs}
    return {k: v.reshape(n, size, size) for k, v in model.run(stacked).items()}


def neighbours(
    rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The distinct 3x3 neighbourhood pixels (including the pixels themselves) inside ``shape``."""
    dr, dc = np.meshgrid(np.arange(-1, 2), np.arange(-1, 2), indexing="ij")
    r = (rows[:, None] + dr.ravel()[None, :]).ravel()
    c = (cols[:, None] + dc.ravel()[None, :]).ravel()
    ok = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
    keys = np.unique(r[ok] * shape[1] + c[ok])
    return keys // shape[1], keys % shape[1]


def core_mask_rows(
    rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int], halo: int
) -> NDArray[np.bool_]:
    """Which of the pixels lie in the window's core."""
    return (rows >= halo) & (rows < shape[0] - halo) & (cols >= halo) & (cols < shape[1] - halo)
