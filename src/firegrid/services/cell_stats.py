"""The choropleth and the ranking: counts per cell as SQL aggregates of the incidents in the
caller's subtree (one GROUP BY per routed cell, rolled up the grid tree in Python), and the cells'
outlines, which change only with the grid."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import ColumnElement, and_, case, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.grid.cells import GridTree
from firegrid.services.queries import scope_clause
from firegrid.services.stats import Window, incident_clauses
from firegrid.store.tables import GridCellRow, IncidentRow, TaskRow
from firegrid.store.tables.base import UTCDateTime
from firegrid.workflow import TaskStatus

SIMPLIFY_DEG = 0.0005  # ~50 m: enough for a choropleth


def _ancestor_at(tree: GridTree, code: str | None, level: str, memo: dict[str, str | None]) -> str | None:
    """The code of the cell's ancestor (or itself) at ``level`` (grids may lack a city level)."""
    if code is None or code not in tree:
        return None
    if code not in memo:
        memo[code] = next((c.code for c in tree.ancestors(code) if c.level == level), None)
    return memo[code]


@dataclass
class CellCounts:
    """Counts of one cell in the window (incidents with a task)."""

    pushed: int = 0
    confirmed: int = 0
    straw_burning: int = 0  # confirmed fires on cropland (or of unknown land use)
    rejected: int = 0
    overdue: int = 0
    verify_minutes: list[float] = field(default_factory=list)
    first_fire: datetime | None = None

    def add(self, other: CellCounts) -> None:
        """Fold a descendant's counts in."""
        self.pushed += other.pushed
        self.confirmed += other.confirmed
        self.straw_burning += other.straw_burning
        self.rejected += other.rejected
        self.overdue += other.overdue
        self.verify_minutes += other.verify_minutes
        if other.first_fire is not None and (self.first_fire is None or other.first_fire < self.first_fire):
            self.first_fire = other.first_fire


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _minutes(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", end - start) / 60.0
    return (func.julianday(end) - func.julianday(start)) * 1440.0


def _counts_by_cell(
    session: Session, principal: Principal, window: Window, now: datetime
) -> dict[str | None, CellCounts]:
    """Counts per routed cell (one GROUP BY), with the verify times of verified tasks."""
    i, t = IncidentRow, TaskRow
    confirmed = t.verdict == TaskStatus.CONFIRMED.value
    fire = i.hazard == "fire"
    straw = and_(confirmed, fire, or_(i.land_use.is_(None), i.land_use == "straw_burning"))
    overdue = and_(
        t.merged_into_id.is_(None), t.verify_by < func.coalesce(t.verified_at, literal(now, UTCDateTime()))
    )
    joined = select(i.cell_code).join(t, t.incident_id == i.id).where(*incident_clauses(principal, window))
    query = joined.add_columns(
        func.count(t.id),
        _count_if(confirmed),
        _count_if(straw),
        _count_if(t.verdict == TaskStatus.REJECTED.value),
        _count_if(overdue),
        func.min(case((and_(confirmed, fire), i.first_seen))),
    ).group_by(i.cell_code)
    counts = {
        code: CellCounts(int(n), int(c or 0), int(s or 0), int(r or 0), int(o or 0), [], first)
        for code, n, c, s, r, o, first in session.execute(query)
    }
    timed = joined.add_columns(_minutes(session, t.created_at, t.verified_at)).where(
        t.verified_at.is_not(None)
    )
    for code, minutes in session.execute(timed):
        counts[code].verify_minutes.append(float(minutes))
    return counts


def cell_counts(
    session: Session, principal: Principal, tree: GridTree, level: str, window: Window, now: datetime
) -> dict[str, CellCounts]:
    """Counts per cell of ``level`` (incidents routed to it or below it)."""
    counts: dict[str, CellCounts] = defaultdict(CellCounts)
    memo: dict[str, str | None] = {}
    for code, c in _counts_by_cell(session, principal, window, now).items():
        ancestor = _ancestor_at(tree, code, level, memo)
        if ancestor is not None:
            counts[ancestor].add(c)
    return counts


def _cell_rows(session: Session, principal: Principal, version_id: int, level: str) -> Any:
    return session.scalars(
        select(GridCellRow)
        .where(
            GridCellRow.version_id == version_id,
            GridCellRow.level == level,
            scope_clause(GridCellRow.path, principal),
        )
        .order_by(GridCellRow.code)
    )


def cell_shapes(
    session: Session, principal: Principal, tree: GridTree, version_id: int, level: str
) -> dict[str, Any]:
    """Cells of ``level`` in the caller's subtree (simplified outlines, names, areas) as GeoJSON:
    what the choropleth draws; it changes only with the grid."""
    features = []
    for row in _cell_rows(session, principal, version_id, level):
        geometry = shapely.simplify(shapely.from_wkb(row.geom_wkb), SIMPLIFY_DEG, preserve_topology=True)
        parent = tree[row.parent_code].name if row.parent_code and row.parent_code in tree else None
        features.append(
            {
                "type": "Feature",
                "id": row.code,
                "geometry": shapely.geometry.mapping(shapely.set_precision(geometry, 1e-5)),
                "properties": {
                    "code": row.code,
                    "name": row.name,
                    "parent": parent,
                    "area_km2": round(row.area_m2 / 1e6, 2),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _shading(c: CellCounts, area_km2: float) -> dict[str, Any]:
    per_area = round(c.confirmed / area_km2 * 100, 3) if area_km2 else None
    return {"pushed": c.pushed, "confirmed": c.confirmed, "per_100km2": per_area}


def shading(
    session: Session,
    principal: Principal,
    tree: GridTree,
    version_id: int,
    level: str,
    window: Window,
    now: datetime,
) -> dict[str, Any]:
    """The choropleth's numbers: pushed, confirmed and confirmed per 100 km² of each cell of
    ``level`` that has any (absent cells have none); one entry per cell, whatever the incidents."""
    counts = cell_counts(session, principal, tree, level, window, now)
    areas = session.execute(
        select(GridCellRow.code, GridCellRow.area_m2).where(
            GridCellRow.version_id == version_id,
            GridCellRow.level == level,
            GridCellRow.code.in_(list(counts)),
        )
    )
    return {"level": level, "cells": {code: _shading(counts[code], area / 1e6) for code, area in areas}}


def cells(
    session: Session,
    principal: Principal,
    tree: GridTree,
    version_id: int,
    level: str,
    window: Window,
    now: datetime,
) -> dict[str, Any]:
    """Cells of ``level`` in the caller's subtree with counts, as a GeoJSON FeatureCollection."""
    counts = cell_counts(session, principal, tree, level, window, now)
    layer = cell_shapes(session, principal, tree, version_id, level)
    for feature in layer["features"]:
        p = feature["properties"]
        p.update(_shading(counts.get(p["code"], CellCounts()), p["area_km2"]))
    return layer


def ranking(
    session: Session, principal: Principal, tree: GridTree, version_id: int, window: Window, now: datetime
) -> list[dict[str, Any]]:
    """Per township: pushed, confirmed, confirmed straw burning (the ranking key), 查实率, median time
    to verify, overdue, first fire; ranked."""
    counts = cell_counts(session, principal, tree, "township", window, now)
    query = select(GridCellRow.code, GridCellRow.name, GridCellRow.parent_code).where(
        GridCellRow.version_id == version_id,
        GridCellRow.level == "township",
        scope_clause(GridCellRow.path, principal),
    )
    rows: list[dict[str, Any]] = []
    for code, name, parent in session.execute(query).all():
        c = counts.get(code, CellCounts())
        verified = c.confirmed + c.rejected
        rows.append(
            {
                "code": code,
                "name": name,
                "county": tree[parent].name if parent and parent in tree else None,
                "pushed": c.pushed,
                "confirmed": c.confirmed,
                "straw_burning": c.straw_burning,
                "rejected": c.rejected,
                "confirmation_rate": round(c.confirmed / verified, 4) if verified else None,
                "median_verify_min": round(statistics.median(c.verify_minutes), 1)
                if c.verify_minutes
                else None,
                "overdue": c.overdue,
                "first_fire": c.first_fire.isoformat() if c.first_fire else None,
            }
        )
    rows.sort(key=lambda r: (-r["straw_burning"], -r["confirmed"], -r["pushed"], -r["overdue"], r["code"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows
