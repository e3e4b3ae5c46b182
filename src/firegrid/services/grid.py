"""Import grid versions, load the active tree, and cache its routing index per process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import shapely
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from firegrid import geo
from firegrid.errors import ConfigError, GridValidationError, NotFoundError
from firegrid.grid.build import FieldMap, GridReport, build_grid
from firegrid.grid.cells import GridCell, GridTree
from firegrid.grid.routing import GridIndex
from firegrid.store.tables import GridCellRow, GridVersion
from firegrid.vector import read_vector

log = logging.getLogger(__name__)


def import_grid(
    session: Session,
    path: Path,
    *,
    name: str | None = None,
    fields: FieldMap | None = None,
    strict: bool = True,
    source_name: str | None = None,
) -> tuple[GridVersion, GridReport]:
    """Validate a grid file and make it the active version, atomically (one transaction).

    ``strict``: refuse the whole import if any feature is rejected.
    """
    tree, report = build_grid(read_vector(path), fields)
    if report.rejected and strict:
        raise GridValidationError(
            f"{source_name or path.name}: {len(report.rejected)} feature(s) rejected: "
            + "; ".join(report.rejected[:20])
        )
    if not len(tree):
        raise GridValidationError(f"{source_name or path.name}: no usable cells")
    version = GridVersion(
        name=name or path.stem,
        source=source_name or str(path),
        n_cells=len(tree),
        report=report.as_dict(),
        is_active=False,
    )
    session.add(version)
    session.flush()
    session.execute(insert(GridCellRow), [_cell_row(version.id, cell, tree) for cell in tree])
    session.execute(update(GridVersion).where(GridVersion.id != version.id).values(is_active=False))
    version.is_active = True
    log.info("grid version %s active: %d cells from %s", version.id, len(tree), version.source)
    return version, report


def _cell_row(version_id: int, cell: GridCell, tree: GridTree) -> dict[str, object]:
    x0, y0, x1, y1 = cell.geometry.bounds
    return {
        "version_id": version_id,
        "code": cell.code,
        "name": cell.name,
        "level": cell.level,
        "parent_code": cell.parent_code,
        "path": tree.path(cell.code),
        "geom_wkb": shapely.to_wkb(cell.geometry),
        "min_lon": x0,
        "min_lat": y0,
        "max_lon": x1,
        "max_lat": y1,
        "area_m2": geo.area_m2(cell.geometry),
        "attrs": dict(cell.attrs),
    }


_ACTIVE_ID = select(GridVersion.id).where(GridVersion.is_active).limit(1)  # built once: asked per request


def active_version(session: Session) -> GridVersion | None:
    """The active grid version, if any grid was imported."""
    return session.scalars(select(GridVersion).where(GridVersion.is_active)).first()


def load_tree(session: Session, version_id: int) -> GridTree:
    """The cells of a version as a ``GridTree``."""
    rows = session.scalars(select(GridCellRow).where(GridCellRow.version_id == version_id)).all()
    return GridTree(
        [
            GridCell(r.code, r.name, r.level, r.parent_code, shapely.from_wkb(r.geom_wkb), r.attrs or {})
            for r in rows
        ]
    )


def cell_row(session: Session, code: str, version_id: int | None = None) -> GridCellRow:
    """One cell of the active (or given) version, or ``NotFoundError``."""
    if version_id is None:
        version = active_version(session)
        if version is None:
            raise NotFoundError("no grid has been imported")
        version_id = version.id
    row = session.scalars(
        select(GridCellRow).where(GridCellRow.version_id == version_id, GridCellRow.code == code)
    ).first()
    if row is None:
        raise NotFoundError(f"no cell {code}")
    return row


@dataclass(frozen=True)
class ActiveGrid:
    """The active version with its tree and routing index."""

    version_id: int
    tree: GridTree
    index: GridIndex


class GridCache:
    """Per-process cache of the active grid; rebuilt when the active version changes."""

    def __init__(self, buffer_m: float = 500.0) -> None:
        self.buffer_m = buffer_m
        self._lock = threading.Lock()
        self._grid: ActiveGrid | None = None

    def get(self, session: Session) -> ActiveGrid | None:
        """The active grid (None when no grid was imported); one id lookup when it is built."""
        version_id = session.scalar(_ACTIVE_ID)
        if version_id is None:
            return None
        with self._lock:
            if self._grid is None or self._grid.version_id != version_id:
                tree = load_tree(session, version_id)
                self._grid = ActiveGrid(version_id, tree, GridIndex(tree, self.buffer_m))
                log.info("built routing index for grid version %s (%d cells)", version_id, len(tree))
            return self._grid


def grid_extent(
    sessions: sessionmaker[Session], grids: GridCache, buffer_km: float
) -> tuple[float, float, float, float]:
    """The active grid's extent plus a buffer, in WGS84 degrees (W, S, E, N)."""
    with sessions() as session:
        grid = grids.get(session)
    if grid is None:
        raise ConfigError("no grid imported: a source over the grid needs one (or give bbox)")
    x0, y0, x1, y1 = grid.index.bounds
    dy = buffer_km * 1000 / geo.METRES_PER_DEGREE_LAT
    dx = float(geo.degrees_for_metres(buffer_km * 1000, max(abs(y0), abs(y1))))
    return (max(-180.0, x0 - dx), max(-90.0, y0 - dy), min(180.0, x1 + dx), min(90.0, y1 + dy))
