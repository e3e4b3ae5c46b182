"""The hit map of one view: counts in square bins sized for the view's zoom, or the points
themselves when the view holds few of them.

The answer's size is bounded by the view, never by the number of incidents: a view spans at most
``MAX_BINS`` bins (wider views are binned as if zoomed out), and points are sent only when the
view holds at most ``POINT_LIMIT`` of them. Bins are aligned to a global grid per zoom (origin
-180°, -90°; ``BIN_PX`` screen pixels of a 256-pixel Web-Mercator tile wide, in degrees of longitude
and of latitude alike), so the same view always gives the same answer and a client can cache it.
One GROUP BY per layer, the same SQL on SQLite and PostgreSQL; with PostGIS the view's box is also
matched against the incidents' GiST-indexed ``geom`` column.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, cast, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.errors import InputError
from firegrid.services.stats import Window, hits, incident_clauses, status_expression, suppressed_clauses
from firegrid.store.tables import DetectionRow, IncidentRow, TaskRow

BIN_PX = 32  # a bin is this many screen pixels wide at its zoom
TILE_PX = 256
MAX_BINS = 4096  # bins one view may span (a 2048 x 2048-pixel view at 32 px)
POINT_LIMIT = 500  # points are sent when the view holds at most this many
MAX_ZOOM = 22


@dataclass(frozen=True)
class View:
    """A view snapped outwards to the bin grid of ``bin_zoom`` (≤ the requested zoom)."""

    bbox: tuple[float, float, float, float]
    zoom: int
    bin_zoom: int
    step: float  # bin width in degrees

    @property
    def key(self) -> str:
        """Identifies the answer (with the window and the caller)."""
        return f"{self.bin_zoom}:" + ",".join(f"{v:.7f}" for v in self.bbox)


def bin_step(zoom: int) -> float:
    """Width of a bin in degrees at ``zoom``."""
    return 360.0 * BIN_PX / (TILE_PX * float(2**zoom))


def view(bbox: tuple[float, float, float, float], zoom: int) -> View:
    """The bin grid for a WGS84 box seen at ``zoom``; ``InputError`` for a box outside the world."""
    x0, y0, x1, y1 = bbox
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90) or not all(map(math.isfinite, bbox)):
        raise InputError(f"bbox {bbox} is not min_lon,min_lat,max_lon,max_lat within -180..180, -90..90")
    if not 0 <= zoom <= MAX_ZOOM:
        raise InputError(f"zoom {zoom} is not within 0..{MAX_ZOOM}")
    bin_zoom = zoom
    while True:
        step = bin_step(bin_zoom)
        gx0, gx1 = math.floor((x0 + 180) / step), math.ceil((x1 + 180) / step)
        gy0, gy1 = math.floor((y0 + 90) / step), math.ceil((y1 + 90) / step)
        if (gx1 - gx0) * (gy1 - gy0) <= MAX_BINS or bin_zoom == 0:
            break
        bin_zoom -= 1
    snapped = (
        max(-180.0, gx0 * step - 180),
        max(-90.0, gy0 * step - 90),
        min(180.0, gx1 * step - 180),
        min(90.0, gy1 * step - 90),
    )
    return View(snapped, zoom, bin_zoom, step)


def _bin_index(session: Session, column: Any, origin: float, step: float) -> ColumnElement[Any]:
    shifted = (column - origin) / literal(step, Float())
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(shifted), Integer)
    return cast(shifted, Integer)  # SQLite truncates toward zero: the same as floor for x >= 0


_GEOM: dict[str, bool] = {}


def _has_geom(session: Session) -> bool:
    """True on PostgreSQL when migrations added the PostGIS ``geom`` column to incidents."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    url = bind.engine.url.render_as_string(hide_password=True)
    if url not in _GEOM:
        found = session.execute(
            text(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'incidents' AND column_name = 'geom'"
            )
        ).first()
        _GEOM[url] = found is not None
    return _GEOM[url]


def _postgis_box(session: Session, v: View) -> list[ColumnElement[bool]]:
    if not _has_geom(session):
        return []
    envelope = func.ST_MakeEnvelope(*v.bbox, 4326)
    return [literal_column("incidents.geom").op("&&")(envelope)]


def _incident_bins(session: Session, principal: Principal, window: Window, v: View, now: datetime) -> Any:
    i = IncidentRow
    rows = (
        select(
            _bin_index(session, i.lon, -180, v.step).label("ix"),
            _bin_index(session, i.lat, -90, v.step).label("iy"),
            status_expression(now).label("status"),
            i.lon,
            i.lat,
        )
        .outerjoin(TaskRow, TaskRow.incident_id == i.id)
        .where(*incident_clauses(principal, window), *_postgis_box(session, v))
        .subquery()
    )
    return _grouped(session, rows)


def _suppressed_bins(session: Session, principal: Principal, window: Window, v: View) -> Any:
    d = DetectionRow
    rows = (
        select(
            _bin_index(session, d.lon, -180, v.step).label("ix"),
            _bin_index(session, d.lat, -90, v.step).label("iy"),
            literal("suppressed").label("status"),
            d.lon,
            d.lat,
        )
        .where(*suppressed_clauses(principal, window))
        .subquery()
    )
    return _grouped(session, rows)


def _grouped(session: Session, rows: Any) -> Any:
    c = rows.c
    return session.execute(
        select(c.ix, c.iy, c.status, func.count(), func.sum(c.lon), func.sum(c.lat)).group_by(
            c.ix, c.iy, c.status
        )
    ).all()


@dataclass
class _Bin:
    n: int = 0
    lon: float = 0.0
    lat: float = 0.0
    status: dict[str, int] | None = None


def _bins(groups: list[Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Bins (at the mean position of their points, with counts per status) and totals per status."""
    by_cell: dict[tuple[int, int], _Bin] = defaultdict(_Bin)
    totals: dict[str, int] = defaultdict(int)
    for ix, iy, status, n, sum_lon, sum_lat in groups:
        b = by_cell[(int(ix), int(iy))]
        b.n, b.lon, b.lat = b.n + n, b.lon + float(sum_lon), b.lat + float(sum_lat)
        b.status = {**(b.status or {}), status: n}
        totals[status] += n
    bins = [
        {"lon": round(b.lon / b.n, 5), "lat": round(b.lat / b.n, 5), "n": b.n, "status": b.status}
        for _, b in sorted(by_cell.items())
    ]
    return bins, dict(sorted(totals.items()))


def hit_map(
    session: Session,
    principal: Principal,
    window: Window,
    v: View,
    now: datetime,
    suppressed: bool = False,
    point_limit: int = POINT_LIMIT,
) -> dict[str, Any]:
    """The view's hit layer: ``mode`` "points" (a GeoJSON FeatureCollection as ``/stats/hits.geojson``
    gives) when the view holds at most ``point_limit`` points, else "bins"; with totals per status."""
    inside = replace(window, bbox=v.bbox)
    groups = list(_incident_bins(session, principal, inside, v, now))
    if suppressed:
        groups += _suppressed_bins(session, principal, inside, v)
    bins, totals = _bins(groups)
    total = sum(totals.values())
    answer: dict[str, Any] = {
        "bbox": list(v.bbox),
        "zoom": v.zoom,
        "bin_zoom": v.bin_zoom,
        "bin_deg": v.step,
        "total": total,
        "status": totals,
    }
    if total <= min(point_limit, POINT_LIMIT):
        return answer | {"mode": "points", "points": hits(session, principal, inside, now, suppressed)}
    return answer | {"mode": "bins", "bins": bins}
