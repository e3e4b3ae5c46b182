"""Read vector files (GeoJSON, Shapefile, GeoPackage, ...) into WGS84 shapely features.

Reading goes through the file gate (``firegrid.files``: driver allowlist, no VRT, no network) and
pyogrio (GDAL); reprojection to EPSG:4326 through pyproj, with axis order longitude, latitude.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from firegrid.files import read_vector_raw
from firegrid.types import WGS84

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Feature:
    """One feature: its index in the file, its geometry (WGS84, may be None) and properties."""

    index: int
    geometry: BaseGeometry | None
    properties: dict[str, Any]


@dataclass(frozen=True)
class VectorLayer:
    """Features of one layer, reprojected to WGS84; ``source_crs`` is what the file said."""

    features: list[Feature]
    source_crs: str
    crs: str = WGS84


def read_vector(
    path: Path, layer: str | int | None = None, roots: Sequence[Path] | None = None
) -> VectorLayer:
    """Read a GeoJSON / zipped Shapefile / GeoPackage / CSV / XLSX file through the file gate
    (``roots``: where a user-named path must lie); unknown CRS is assumed WGS84 (and logged)."""
    meta, wkb, field_data = read_vector_raw(path, layer, roots=roots)
    names = [str(n) for n in meta["fields"]]
    geometries = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else None
    source_crs = meta.get("crs") or ""
    if geometries is not None:
        geometries = _to_wgs84(geometries, source_crs, path)
    features = []
    for i in range(len(field_data[0]) if field_data else (len(geometries) if geometries is not None else 0)):
        props = {name: _plain(field_data[j][i]) for j, name in enumerate(names)}
        geometry = geometries[i] if geometries is not None else None
        features.append(Feature(i, geometry if geometry is not None else None, props))
    return VectorLayer(features, source_crs or WGS84)


def _to_wgs84(geometries: np.ndarray, source_crs: str, path: Path) -> np.ndarray:
    if not source_crs:
        log.warning("%s has no CRS; assuming %s", path.name, WGS84)
        return geometries
    if not is_wgs84(source_crs):
        log.info("reprojecting %s from %s to %s", path.name, source_crs, WGS84)
    projected: np.ndarray = reproject_to_wgs84(geometries, source_crs)
    return projected


@lru_cache(maxsize=32)
def is_wgs84(crs: str) -> bool:
    """True for EPSG:4326 in any spelling or axis order."""
    return bool(CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True))


@lru_cache(maxsize=32)
def _to_wgs84_transformer(source_crs: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(source_crs), 4326, always_xy=True)


def reproject_to_wgs84(geometries: Any, source_crs: str) -> Any:
    """A geometry (or array of them) from ``source_crs`` to lon/lat WGS84 (always x = lon)."""
    if is_wgs84(source_crs):
        return geometries
    transformer = _to_wgs84_transformer(source_crs)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _plain(value: Any) -> Any:
    """numpy scalars as Python values; a missing number (NaN from GDAL's null) as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
