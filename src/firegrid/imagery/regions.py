"""Decode band regions once and share them between detectors and grids.

A window is read band by band; each band file's most recent region stays decoded, so a
second detector on the same window (bare soil after fire, or the 10 m grid of a
Sentinel-2 scene after its 20 m grid: B11, B12 and SCL are 20 m files on both) slices
it instead of reading the file again. A reader that goes through whole rows of windows
(``strips=True``: scans in one process) reads files in full-width strips - a row of
windows with their halo - so every block is decoded once per row of windows instead of
once per window that touches it (a 1024-pixel window with a 2-pixel halo touches 16
blocks of 512 x 512, for 4 blocks of pixels); a reader of single windows (a job's window
task) reads just the window. GDAL decodes compressed blocks on several threads
(GeoTIFF ``NUM_THREADS``, JPEG 2000 ``GDAL_NUM_THREADS``). Uncompressed GeoTIFFs are not
memory-mapped (``GTIFF_VIRTUAL_MEM_IO`` reads them 2-3 times faster, but every page it touches stays
in the process's resident set: a 7800 x 7800 Landsat scan peaked at 1.4 GB instead of 0.2 GB).
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.enums import Resampling
from rasterio.windows import Window

from firegrid.files.gate import open_raster
from firegrid.imagery.scene import BandSource

GDAL_CACHE_MB = 64  # windows are read once each: a small block cache keeps memory flat on full scenes
STRIP_BYTES = 48 << 20  # a band is read in full-width strips up to this size (a row of windows at once)
Span = tuple[int, int]


@dataclass
class _Region:
    rows: Span
    cols: Span
    data: NDArray[Any]

    def holds(self, rows: Span, cols: Span) -> bool:
        return (
            self.rows[0] <= rows[0]
            and rows[1] <= self.rows[1]
            and self.cols[0] <= cols[0]
            and cols[1] <= self.cols[1]
        )

    def part(self, rows: Span, cols: Span) -> NDArray[Any]:
        r, c = rows[0] - self.rows[0], cols[0] - self.cols[0]
        return self.data[r : r + rows[1] - rows[0], c : c + cols[1] - cols[0]]


class DecodedRegions:
    """Open band files once, decode regions of them, keep the latest region of each file.

    ``threads`` is how many threads GDAL may decode one read with; ``strips``: read
    full-width strips (the reader goes through whole rows of windows); ``keep``: how many
    regions of each file stay decoded. ``read_s`` is the time
    spent in GDAL reads (the bench's "read" column); ``reads`` and ``shared`` count file
    reads and regions served from an earlier read.
    """

    def __init__(self, threads: int = 2, strips: bool = False, keep: int = 1) -> None:
        self.threads = max(1, threads)
        self.strips = strips
        self.keep = max(1, keep)
        self._stack = ExitStack()
        self._open: dict[str, Any] = {}
        self._latest: dict[tuple[str, int, int], list[_Region]] = {}
        self.read_s = 0.0
        self.reads = 0
        self.shared = 0

    def __enter__(self) -> DecodedRegions:
        self._stack.enter_context(
            rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB, GDAL_NUM_THREADS=str(self.threads))
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._latest.clear()
        self._stack.close()

    def _dataset(self, path: str) -> Any:
        """The band file, opened through the file gate (compressed GeoTIFFs: decoded on GDAL threads)."""
        if path not in self._open:
            ds = self._stack.enter_context(open_raster(path))
            if ds.driver == "GTiff" and ds.compression is not None and self.threads > 1:
                options = {"NUM_THREADS": str(self.threads)}
                ds = self._stack.enter_context(open_raster(path, options=options))
            self._open[path] = ds
        return self._open[path]

    def region(self, source: BandSource, rows: Span, cols: Span) -> NDArray[Any]:
        """DN of ``source`` over scene rows/cols (half-open), on the grid ``source`` is mapped to.

        An upsampled band (``upsample`` > 1) repeats its own pixels (nearest neighbour, so a
        window holds exactly what the whole image would); an averaged one (``factor`` > 1)
        is read with GDAL's average resampling. The result may be a view of a shared
        region: callers must not write to it.
        """
        u = source.upsample
        if u > 1:
            pr = (rows[0] // u, -(-rows[1] // u))
            pc = (cols[0] // u, -(-cols[1] // u))
            parent = self.region(replace(source, upsample=1), pr, pc)
            full = np.repeat(np.repeat(parent, u, axis=0), u, axis=1)
            r0, c0 = rows[0] - pr[0] * u, cols[0] - pc[0] * u
            return full[r0 : r0 + rows[1] - rows[0], c0 : c0 + cols[1] - cols[0]]
        if source.array is not None:
            return _from_array(source.array, source.factor, rows, cols)
        key = (source.path, source.index, source.factor)
        for latest in self._latest.get(key, []):
            if latest.holds(rows, cols):
                self.shared += 1
                return latest.part(rows, cols)
        strip = self._strip(source, rows) if self.strips else None
        if strip is not None:  # the whole width: the next windows of this row are sliced from it
            self._keep(key, _Region(rows, strip, self._read(source, rows, strip)))
            return self.region(source, rows, cols)
        data = self._read(source, rows, cols)
        self._keep(key, _Region(rows, cols, data))
        return data

    def _keep(self, key: tuple[str, int, int], region: _Region) -> None:
        """The latest ``keep`` regions of each file (2 when a 20 m window's ground is two rows of
        10 m windows, whose strips alternate)."""
        self._latest[key] = [region, *self._latest.get(key, [])][: self.keep]

    def _strip(self, source: BandSource, rows: Span) -> Span | None:
        """The full width of a file band, if a strip of ``rows`` is small enough to keep."""
        if source.factor != 1:
            return None
        ds = self._dataset(source.path)
        size = (rows[1] - rows[0]) * ds.width * np.dtype(ds.dtypes[source.index - 1]).itemsize
        return (0, int(ds.width)) if size <= STRIP_BYTES else None

    def _read(self, source: BandSource, rows: Span, cols: Span) -> NDArray[Any]:
        f = source.factor
        ds = self._dataset(source.path)
        window = Window(cols[0] * f, rows[0] * f, (cols[1] - cols[0]) * f, (rows[1] - rows[0]) * f)
        start = time.perf_counter()
        if f == 1:
            data = np.asarray(ds.read(source.index, window=window))
        else:
            shape = (rows[1] - rows[0], cols[1] - cols[0])
            data = np.asarray(
                ds.read(source.index, window=window, out_shape=shape, resampling=Resampling.average)
            )
        self.read_s += time.perf_counter() - start
        self.reads += 1
        return data


def _from_array(array: NDArray[Any], f: int, rows: Span, cols: Span) -> NDArray[Any]:
    """An in-memory band's region: a view, or 2x2 (f x f) means for a finer band."""
    region = array[rows[0] * f : rows[1] * f, cols[0] * f : cols[1] * f]
    if f == 1:
        return np.asarray(region)
    h, w = rows[1] - rows[0], cols[1] - cols[0]
    return np.asarray(region.reshape(h, f, w, f).mean(axis=(1, 3), dtype=np.float64).astype(region.dtype))
