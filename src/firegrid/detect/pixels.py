"""Connected components of sparse pixel sets (fire pixels, bare-soil pixels)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

NEIGHBOURS_8 = ((0, 1), (1, -1), (1, 0), (1, 1))  # forward half of the 8-neighbourhood


def components(rows: NDArray[np.int64], cols: NDArray[np.int64]) -> tuple[int, NDArray[np.int32]]:
    """8-connected components of distinct pixels: (count, label per pixel).

    Works on the pixel list alone (sorted keys + binary search), so a scene-sized mask is
    never built.
    """
    n = len(rows)
    if n == 0:
        return 0, np.empty(0, np.int32)
    width = int(cols.max()) + 2
    keys = rows.astype(np.int64) * width + cols
    order = np.argsort(keys)
    sorted_keys = keys[order]
    src, dst = [], []
    for dr, dc in NEIGHBOURS_8:
        target = (rows + dr) * width + (cols + dc)
        pos = np.minimum(np.searchsorted(sorted_keys, target), n - 1)
        hit = sorted_keys[pos] == target
        src.append(np.flatnonzero(hit))
        dst.append(order[pos[hit]])
    a, b = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return int(count), labels.astype(np.int32)


def groups(labels: NDArray[np.int32], count: int) -> list[NDArray[np.intp]]:
    """Pixel indexes of each label, in label order (one sort, not one scan per label)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(count)]
