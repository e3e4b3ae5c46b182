"""Open rasters with errors that name the file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rasterio
from rasterio.errors import RasterioError

from firegrid.errors import InputError


@contextmanager
def open_raster(path: Path | str) -> Iterator[Any]:
    """``rasterio.open`` whose failures are ``InputError`` naming the file and the problem."""
    try:
        with rasterio.open(path) as dataset:
            yield dataset
    except RasterioError as exc:
        raise InputError(f"{path}: cannot read raster ({exc})") from exc
