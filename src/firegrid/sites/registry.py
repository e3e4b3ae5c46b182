"""The construction-site registry format: read GeoJSON / GeoPackage / Shapefile / CSV (WKT).

Each site carries its polygon in WGS84 (reprojected from the file's CRS, which is kept),
its **geodesic** area (``pyproj.Geod`` on the ellipsoid; never Web Mercator, which is
+48 % at 34 N) next to the permit's declared area, and the people to reach. One bad
feature becomes a ``RowError`` naming it; the others are imported.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import shapely
from pydantic import BaseModel, Field, ValidationError, field_validator
from shapely.geometry.base import BaseGeometry

from firegrid import geo
from firegrid.errors import InputError, RowError
from firegrid.vector import read_vector

SiteStatus = Literal["planned", "active", "suspended", "finished"]


class MonitorSpec(BaseModel):
    """A PM10 online monitor: HJ 212 MN code and where it stands."""

    mn: str = Field(min_length=1, max_length=64)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class SiteRecord(BaseModel):
    """One site as imported or posted (the polygon as GeoJSON in WGS84)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$")
    name: str = Field(min_length=1, max_length=300)
    polygon: dict[str, Any]  # GeoJSON Polygon / MultiPolygon, lon/lat WGS84
    source_crs: str = "EPSG:4326"
    permit_no: str | None = None
    project_code: str | None = None
    builder: str | None = None
    contractor: str | None = None
    responsible_person: str | None = None
    contact_phone: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: SiteStatus = "active"
    phase: str | None = None
    area_declared_m2: float | None = Field(None, gt=0)
    cameras: list[str] = Field(default_factory=list)
    monitors: list[MonitorSpec] = Field(default_factory=list)

    @field_validator("polygon")
    @classmethod
    def _valid_polygon(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            geometry = shapely.geometry.shape(value)
        except (
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            shapely.errors.ShapelyError,
        ) as exc:
            raise ValueError(f"not a GeoJSON geometry ({type(exc).__name__}: {exc})") from None
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            raise ValueError(f"a site needs a Polygon or MultiPolygon, got {geometry.geom_type}")
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ValueError("polygon coordinates are not lon/lat (reproject to WGS84 or give the CRS)")
        if not geometry.is_valid:
            raise ValueError(f"invalid polygon: {shapely.is_valid_reason(geometry)}")
        return value

    def geometry(self) -> BaseGeometry:
        """The polygon as a shapely geometry (WGS84)."""
        return shapely.geometry.shape(self.polygon)

    def area_m2(self) -> float:
        """Geodesic area on the WGS84 ellipsoid."""
        return geo.area_m2(self.geometry())


def _listed(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace(";", ",").split(",") if v.strip()]


def _monitors(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [m if isinstance(m, dict) else {"mn": str(m)} for m in value]
    return [{"mn": mn} for mn in _listed(value)]


def record_from_properties(props: dict[str, Any], geometry: BaseGeometry, source_crs: str) -> SiteRecord:
    """A record from a feature's properties (``site_id`` or ``id``; lists as arrays or "a,b")."""
    data = {k: v for k, v in props.items() if v is not None and v != ""}
    data["id"] = str(data.pop("site_id", data.get("id", "")))
    data["cameras"] = _listed(data.get("cameras"))
    data["monitors"] = _monitors(data.get("monitors"))
    data["polygon"] = shapely.geometry.mapping(geometry)
    data["source_crs"] = source_crs
    data.pop("wkt", None)
    data.pop("WKT", None)
    return SiteRecord.model_validate(data)


def brief(exc: ValidationError) -> str:
    """A pydantic error in one line: ``field: message; ...``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


def read_sites(path: Path) -> tuple[list[SiteRecord], list[RowError]]:
    """Sites of a vector file (a CSV needs a ``WKT`` column); errors name the feature."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    layer = read_vector(path)
    records: list[SiteRecord] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for feature in layer.features:
        label = feature.properties.get("site_id") or feature.properties.get("id") or f"#{feature.index + 1}"
        if feature.geometry is None:
            errors.append(RowError(feature.index + 1, f"{path.name}: site {label}: no geometry"))
            continue
        try:
            record = record_from_properties(feature.properties, feature.geometry, layer.source_crs)
        except ValidationError as exc:
            errors.append(RowError(feature.index + 1, f"{path.name}: site {label}: {brief(exc)}"))
            continue
        if record.id in seen:
            errors.append(RowError(feature.index + 1, f"{path.name}: site {record.id} appears twice"))
            continue
        seen.add(record.id)
        records.append(record)
    return records, errors
