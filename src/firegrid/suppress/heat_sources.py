"""The industrial heat-source registry: read points-with-radius or polygons from files.

CSV: latitude/longitude columns (or a GEM-style "Coordinates" = "lat, lon"), a name, a
kind, an optional radius in metres. Vector files (GeoJSON, Shapefile, GeoPackage):
points (buffered geodesically by their radius) or polygons.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from firegrid import geo
from firegrid.errors import InputError, RowError
from firegrid.files.sniff import check_format
from firegrid.firepoints.fields import coordinate, read_text
from firegrid.types import WGS84
from firegrid.vector import read_vector

NON_THERMAL_FUELS = {"hydro", "wind", "solar", "storage", "wave and tidal"}

_ALIASES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "纬度"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "coordinates": ("coordinates", "coords", "坐标"),
    "name": ("name", "plant name (english)_x", "plant name (english)", "名称"),
    "kind": ("kind", "type", "fuel", "category", "类型"),
    "radius_m": ("radius_m", "radius", "半径"),
    "id": ("id", "external_id", "power plant id", "plant id", "编号"),
}


@dataclass(frozen=True)
class HeatSource:
    """One persistent heat source: a WGS84 polygon, with the point and radius it came from."""

    name: str
    kind: str
    geometry: BaseGeometry
    lon: float
    lat: float
    radius_m: float | None
    external_id: str
    crs: str = WGS84


def read_heat_sources(
    path: Path, default_radius_m: float = 1000.0
) -> tuple[list[HeatSource], list[RowError]]:
    """Read a registry file; returns the sources and the rows that could not be used."""
    if path.suffix.lower() == ".csv":
        check_format(path, ["CSV"])  # the file gate: text, no VRT/XML markup (read by Python, not GDAL)
        return _read_csv(path, default_radius_m)
    return _read_vector(path, default_radius_m)


def from_point(name: str, kind: str, lon: float, lat: float, radius_m: float, external_id: str) -> HeatSource:
    """A heat source as a geodesic circle."""
    if not radius_m > 0:
        raise ValueError(f"radius must be positive, got {radius_m}")
    return HeatSource(name, kind, geo.circle(lon, lat, radius_m), lon, lat, radius_m, external_id)


def _find(header: list[str], key: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    return next((lowered.index(a) for a in _ALIASES[key] if a in lowered), None)


def _read_csv(path: Path, default_radius_m: float) -> tuple[list[HeatSource], list[RowError]]:
    rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    if not rows:
        raise InputError(f"{path.name}: empty file")
    header = rows[0]
    cols = {k: _find(header, k) for k in _ALIASES}
    if (cols["lat"] is None or cols["lon"] is None) and cols["coordinates"] is None:
        raise InputError(f"{path.name}: no latitude/longitude (or coordinates) column")
    sources: list[HeatSource] = []
    errors: list[RowError] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            source = _csv_source(row, cols, default_radius_m, line)
        except (ValueError, IndexError) as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if source is not None:
            sources.append(source)
    return sources, errors


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _csv_source(
    row: list[str], cols: dict[str, int | None], default_radius_m: float, line: int
) -> HeatSource | None:
    kind = _cell(row, cols["kind"]) or "industrial"
    if kind.strip().lower() in NON_THERMAL_FUELS:
        return None  # hydro dams, wind farms and solar parks are not heat sources
    if cols["coordinates"] is not None and _cell(row, cols["coordinates"]):
        lat_text, lon_text = _cell(row, cols["coordinates"]).split(",")[:2]
    else:
        lat_text, lon_text = _cell(row, cols["lat"]), _cell(row, cols["lon"])
    lat, lon = coordinate(lat_text, "latitude"), coordinate(lon_text, "longitude")
    radius_text = _cell(row, cols["radius_m"])
    radius = float(radius_text) if radius_text else default_radius_m
    name = _cell(row, cols["name"]) or f"line {line}"
    return from_point(name, kind, lon, lat, radius, _cell(row, cols["id"]) or f"{lat:.5f},{lon:.5f}")


def _read_vector(path: Path, default_radius_m: float) -> tuple[list[HeatSource], list[RowError]]:
    sources: list[HeatSource] = []
    errors: list[RowError] = []
    for feature in read_vector(path).features:
        props = {str(k).lower(): v for k, v in feature.properties.items()}
        try:
            sources.append(_vector_source(feature.geometry, props, default_radius_m, feature.index))
        except ValueError as exc:
            errors.append(RowError(feature.index + 1, f"feature #{feature.index}: {exc}"))
    return sources, errors


def _vector_source(
    geometry: BaseGeometry | None, props: dict[str, Any], default_radius_m: float, index: int
) -> HeatSource:
    if geometry is None or geometry.is_empty:
        raise ValueError("no geometry")
    name = str(_first(props, "name") or f"feature {index}")
    kind = str(_first(props, "kind") or "industrial")
    external_id = str(_first(props, "id") or f"feature-{index}")
    if geometry.geom_type == "Point":
        radius = _first(props, "radius_m")
        radius_m = float(radius) if radius not in (None, "") else default_radius_m
        return from_point(name, kind, geometry.x, geometry.y, radius_m, external_id)
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{geometry.geom_type} is neither a point nor a polygon")
    if not geometry.is_valid:
        from shapely import make_valid

        geometry = make_valid(geometry)
    centre = geometry.representative_point()
    return HeatSource(name, kind, geometry, centre.x, centre.y, None, external_id)


def _first(props: dict[str, Any], key: str) -> Any:
    for alias in _ALIASES[key]:
        value = props.get(alias)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return value
    return None
