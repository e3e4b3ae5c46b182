"""The one way firegrid opens a file it did not write: ``read_vector_raw`` and ``open_raster``.

Each call (1) checks the path as text and, when ``roots`` are given, confines it to them after
following links; (2) sniffs the bytes against the formats allowed for the purpose; (3) unpacks a
zipped Shapefile itself, bounded; (4) opens with GDAL restricted to that one driver, without
network or virtual file systems (``gdal``). Anything else is an ``UnsafeFileError`` (HTTP 400)
naming the file and the reason, raised before GDAL sees the file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from firegrid.errors import InputError, UnsafeFileError
from firegrid.files.archives import MAX_UNPACKED_BYTES, check_workbook, unpack_shapefile
from firegrid.files.gdal import RASTER_DRIVERS, SAFE_CONFIG, VECTOR_DRIVERS, harden_pyogrio
from firegrid.files.paths import confine, resolve
from firegrid.files.sniff import check_format

# A full Landsat scene is ~60 MP and a Sentinel-2 10 m band 120 MP; anything past this is a mistake or a bomb
# (a sparse, compressed GeoTIFF can declare billions of pixels in a few kilobytes).
MAX_RASTER_PIXELS = 1_500_000_000


def checked_path(path: Path | str, roots: Sequence[Path] | None, what: str | None = None) -> Path:
    """The resolved path: confined to ``roots`` when given (user-named paths), else only resolved
    (operator configuration and the command line)."""
    label = what or Path(str(path)).name
    return confine(path, roots, label) if roots is not None else resolve(path, label)


@contextmanager
def vector_source(
    path: Path | str,
    drivers: Collection[str] = VECTOR_DRIVERS,
    roots: Sequence[Path] | None = None,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> Iterator[tuple[Path, str]]:
    """A local file GDAL may open and its one driver; a zipped Shapefile is unpacked next to the
    upload for the duration of the block."""
    source = checked_path(path, roots)
    what = source.name
    if source.suffix.lower() == ".zip":
        if "ESRI Shapefile" not in drivers:
            raise UnsafeFileError(f"{what}: zip archives are not accepted here")
        with tempfile.TemporaryDirectory(prefix=".unzip-", dir=source.parent) as tmp:
            yield unpack_shapefile(source, Path(tmp), what, max_unpacked), "ESRI Shapefile"
        return
    if source.suffix.lower() == ".xlsx" and "XLSX" in drivers:
        check_workbook(source, what, max_unpacked)
    yield source, check_format(source, drivers, what)


def read_vector_raw(
    path: Path | str,
    layer: str | int | None = None,
    drivers: Collection[str] = VECTOR_DRIVERS,
    roots: Sequence[Path] | None = None,
) -> tuple[dict[str, Any], Any, list[Any]]:
    """pyogrio's (meta, wkb, field data) of one layer, through the gate."""
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyogrio.raw import read

    harden_pyogrio()
    with vector_source(path, drivers, roots) as (source, driver):
        try:
            meta, _, wkb, field_data = read(str(source), layer=layer)
        except (DataSourceError, DataLayerError, OSError) as exc:
            raise InputError(f"{Path(str(path)).name}: cannot read as {driver} ({exc})") from exc
    return meta, wkb, field_data


@contextmanager
def open_raster(
    path: Path | str,
    drivers: Collection[str] = RASTER_DRIVERS,
    roots: Sequence[Path] | None = None,
    max_pixels: int = MAX_RASTER_PIXELS,
    options: Mapping[str, str] | None = None,
) -> Iterator[Any]:
    """A rasterio dataset opened with only the sniffed driver allowed, inside ``SAFE_CONFIG``
    (``options``: the driver's open options, e.g. GeoTIFF ``NUM_THREADS``)."""
    import rasterio
    from rasterio.errors import RasterioError

    source = checked_path(path, roots)
    driver = check_format(source, drivers, str(path))
    try:
        with (
            rasterio.Env(**SAFE_CONFIG),
            rasterio.open(source, driver=driver, sharing=False, **(options or {})) as dataset,
        ):
            if dataset.width * dataset.height > max_pixels:
                raise InputError(
                    f"{path}: {dataset.width}x{dataset.height} px exceeds the {max_pixels} pixel limit"
                )
            yield dataset
    except RasterioError as exc:
        raise InputError(f"{path}: cannot read raster ({exc})") from exc
