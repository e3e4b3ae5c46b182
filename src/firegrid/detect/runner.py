"""Run a per-window function over a scene's windows on a few threads, one reader per thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TypeVar

from firegrid.imagery.windows import WindowSpec

R = TypeVar("R")
T = TypeVar("T")
ProgressFn = Callable[[int, int], None]


def run_windows(
    specs: list[WindowSpec],
    open_reader: Callable[[], AbstractContextManager[R]],
    work: Callable[[R, WindowSpec], T],
    threads: int = 1,
    progress: ProgressFn | None = None,
) -> list[T]:
    """``work(reader, spec)`` for every window, results in ``specs`` order.

    Each thread opens its own reader (GDAL datasets are not thread-safe) and takes every
    ``threads``-th row of windows (a reader keeps the strip of the row it reads); numpy,
    OpenCV, ONNX Runtime and GDAL release the GIL while they work, so two threads keep two
    cores busy.
    """
    rows = sorted({s.row for s in specs})
    threads = max(1, min(threads, len(rows)))
    done: dict[int, T] = {}
    lock = threading.Lock()

    def run(share: list[WindowSpec]) -> None:
        with open_reader() as reader:
            for spec in share:
                result = work(reader, spec)
                with lock:
                    done[spec.index] = result
                    if progress:
                        progress(len(done), len(specs))

    if threads == 1:
        run(specs)
    else:
        mine = {row: i % threads for i, row in enumerate(rows)}  # whole rows of windows: strips are shared
        shares = [[s for s in specs if mine[s.row] == t] for t in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(run, share) for share in shares]:
                future.result()
    return [done[s.index] for s in specs]
