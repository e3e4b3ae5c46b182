"""The township page's map layers, each filtered to the caller's subtree and answered with an
ETag (304 when unchanged; ``Cache-Control: private, no-cache``):

* ``/stats/hitmap``: the hit layer of one view (bins or points), sized by the view;
* ``/stats/cells/shapes.geojson`` and ``/stats/cells/counts.json``: the choropleth's outlines
  (change only with the grid) and numbers (one entry per cell);
* ``/stats/hits.geojson`` and ``/stats/cells.geojson``: every point / cells with their numbers in
  one answer (GIS clients, the bulletin);
* ``/stats/ranking``: the township ranking.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from firegrid.api.access import At, access
from firegrid.api.cache import cached_json, etag_of
from firegrid.api.deps import PrincipalDep, SessionDep
from firegrid.api.map_params import WindowDep, active_grid, parse_bbox
from firegrid.auth.roles import Principal
from firegrid.services import cell_stats, hitmap, stats
from firegrid.services.grid import ActiveGrid
from firegrid.store.tables import utcnow

router = APIRouter(prefix="/stats", tags=["maps"])
READS = access(At.SUBTREE, reads=("incidents", "tasks"))  # every layer: rows owned in the caller's subtree
READS_ALL = access(At.SUBTREE, reads=("incidents", "tasks", "detections"))  # and suppressed detections
CELLS = access(At.SUBTREE, reads=("grid",))

GridDep = Annotated[ActiveGrid, Depends(active_grid)]
Level = Literal["county", "township", "village"]
BboxQ = Annotated[str, Query(description="the view: min_lon,min_lat,max_lon,max_lat (WGS84)")]
OptionalBboxQ = Annotated[str | None, Query(description="only inside min_lon,min_lat,max_lon,max_lat")]
ZoomQ = Annotated[int, Query(ge=0, le=hitmap.MAX_ZOOM, description="the view's Web-Mercator zoom")]
PointsQ = Annotated[int, Query(ge=0, le=hitmap.POINT_LIMIT, description="most points to send")]


def _version(session: Session, suppressed: bool = False, clock: bool = True) -> str:
    version = str(stats.data_version(session, suppressed))
    if clock:  # overdue colours and counts change with the clock
        version += utcnow().strftime("|%Y%m%d%H%M")
    return version


@router.get("/hitmap", **READS_ALL)
def hit_map(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    bbox: BboxQ,
    zoom: ZoomQ,
    w: WindowDep,
    suppressed: bool = False,
    points: PointsQ = hitmap.POINT_LIMIT,
) -> Response:
    """The hit layer of one view: ``mode: "bins"`` (counts per status in square bins of
    ``bin_deg`` degrees, at the mean position of their points) or, when the view holds at most
    ``points`` (≤ 500) points, ``mode: "points"`` (a FeatureCollection as ``/stats/hits.geojson``
    gives); with ``total`` and counts per ``status``. Its size depends on the view, not on the
    number of incidents."""
    v = hitmap.view(parse_bbox(bbox), zoom)
    etag = etag_of(
        "hitmap", principal, f"{v.zoom}|{v.key}|{w}|{suppressed}|{points}", _version(session, suppressed)
    )
    return cached_json(
        request, etag, lambda: hitmap.hit_map(session, principal, w, v, utcnow(), suppressed, points)
    )


@router.get("/hits.geojson", **READS_ALL)
def hit_points(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    window: WindowDep,
    suppressed: bool = False,
    bbox: OptionalBboxQ = None,
) -> Response:
    """Every incident as a point coloured by task status (``overdue`` included); suppressed points
    on request. Grows with the incidents: the page uses ``/stats/hitmap``."""
    w = replace(window, bbox=parse_bbox(bbox)) if bbox else window
    etag = etag_of("hits", principal, f"{w}|{suppressed}", _version(session, suppressed))
    return cached_json(request, etag, lambda: stats.hits(session, principal, w, utcnow(), suppressed))


@router.get("/cells/shapes.geojson", **CELLS)
def cell_shapes(
    request: Request, principal: PrincipalDep, session: SessionDep, grid: GridDep, level: Level = "township"
) -> Response:
    """Outlines, names and areas of the cells of ``level`` (simplified to ~50 m); they change only
    with the grid, so a page revalidating them gets 304."""
    etag = etag_of("shapes", principal, f"{level}", grid.version_id)
    return cached_json(
        request, etag, lambda: cell_stats.cell_shapes(session, principal, grid.tree, grid.version_id, level)
    )


def _cells_answer(
    request: Request,
    principal: Principal,
    session: Session,
    grid: ActiveGrid,
    layer: str,
    level: str,
    w: Any,
    build: Any,
) -> Response:
    """A layer of the cells of ``level``: it changes with the grid and the data, not the clock."""
    etag = etag_of(layer, principal, f"{level}|{w}", f"{grid.version_id}|{_version(session, clock=False)}")
    return cached_json(
        request, etag, lambda: build(session, principal, grid.tree, grid.version_id, level, w, utcnow())
    )


@router.get("/cells/counts.json", **READS)
def cell_numbers(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    grid: GridDep,
    w: WindowDep,
    level: Level = "township",
) -> Response:
    """The choropleth's numbers: ``{"level", "cells": {code: {pushed, confirmed, per_100km2}}}`` for
    the cells of ``level`` with any push (absent cells have none)."""
    return _cells_answer(request, principal, session, grid, "counts", level, w, cell_stats.shading)


@router.get("/cells.geojson", **READS)
def cells_with_counts(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    grid: GridDep,
    w: WindowDep,
    level: Level = "township",
) -> Response:
    """Cells with pushed / confirmed counts (raw and per 100 km²) in one answer."""
    return _cells_answer(request, principal, session, grid, "cells", level, w, cell_stats.cells)


@router.get("/ranking", **READS)
def township_ranking(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    grid: GridDep,
    w: WindowDep,
) -> Response:
    """Townships ranked by confirmed points: pushed, confirmed, 查实率, median verify time, overdue."""
    etag = etag_of("ranking", principal, f"{w}", f"{grid.version_id}|{_version(session)}")
    return cached_json(
        request, etag, lambda: cell_stats.ranking(session, principal, grid.tree, grid.version_id, w, utcnow())
    )
