"""The grid: import a version, browse the tree, get cells as GeoJSON."""

from __future__ import annotations

import json
from typing import Any

import shapely
from fastapi import APIRouter, Request
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.bodies import body_limit
from firegrid.api.deps import GridManagerDep, PrincipalDep, SessionDep, StateDep
from firegrid.api.schemas import GridNode, GridVersionOut
from firegrid.api.uploads import form_file, form_route, offload, read_form, save_upload
from firegrid.auth.roles import Permission
from firegrid.errors import NotFoundError
from firegrid.grid.cells import GridTree
from firegrid.services.grid import active_version, cell_row, import_grid
from firegrid.store.tables import GridCellRow, GridVersion

router = APIRouter(prefix="/grid", tags=["grid"])


@router.post(
    "/import",
    **form_route(
        access(At.DEPLOYMENT, Permission.MANAGE_GRID, writes=("grid",)),
        "file",
        "GeoJSON, GeoPackage or zipped Shapefile",
    ),
)
@body_limit("upload")
async def import_file(
    request: Request,
    _: GridManagerDep,
    session: SessionDep,
    state: StateDep,
    name: str | None = None,
    strict: bool = True,
) -> GridVersionOut:
    """Import GeoJSON / GeoPackage / zipped Shapefile as the new active grid version."""
    settings = state.runtime.settings
    async with read_form(request) as form:
        upload = form_file(form, "file")
        path, filename, _sha = await save_upload(
            upload, settings.uploads_dir / "grids", settings.upload_max_bytes
        )

    def run() -> GridVersionOut:
        version, _report = import_grid(
            session, path, name=name or filename, strict=strict, source_name=filename
        )
        session.commit()
        return GridVersionOut.model_validate(version)

    return await offload(state.heavy, run)


@router.get("/versions", **access(At.DEPLOYMENT, reads=("grid",)))
def versions(_: PrincipalDep, session: SessionDep) -> list[GridVersionOut]:
    """All grid versions, newest first."""
    rows = session.scalars(select(GridVersion).order_by(GridVersion.id.desc()))
    return [GridVersionOut.model_validate(v) for v in rows]


def _tree(session: SessionDep, state: StateDep) -> GridTree:
    grid = state.runtime.grids.get(session)
    if grid is None:
        raise NotFoundError("no grid has been imported", code="no_grid")
    return grid.tree


def _node(tree: GridTree, code: str, depth: int) -> GridNode:
    cell = tree[code]
    below = tree.children(code)
    children = [_node(tree, c.code, depth - 1) for c in below] if depth > 0 else None
    return GridNode(
        code=cell.code,
        name=cell.name,
        level=cell.level,
        children=children,
        child_count=len(below),
        has_children=bool(below),
    )


@router.get("/tree", **access(At.SUBTREE, reads=("grid",)))
def tree(principal: PrincipalDep, session: SessionDep, state: StateDep, depth: int = 5) -> list[GridNode]:
    """The subtree(s) the caller sees, ``depth`` levels deep; at the cut ``children`` is null and
    ``child_count`` / ``has_children`` say what lies below (an empty list means no children)."""
    grid_tree = _tree(session, state)
    if principal.paths is None:
        roots = [c.code for c in grid_tree.children(None)]
    else:
        roots = [p.rsplit("/", 1)[-1] for p in principal.paths]
    return [_node(grid_tree, code, depth) for code in roots if code in grid_tree.cells]


def _feature(row: GridCellRow) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": json.loads(shapely.to_geojson(shapely.from_wkb(row.geom_wkb))),
        "properties": {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            "parent_code": row.parent_code,
            "area_m2": round(row.area_m2, 1),
        },
    }


@router.get("/cells/{code}", **access(At.SUBTREE, reads=("grid",)))
def cell(code: str, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """One cell as a GeoJSON Feature (WGS84)."""
    row = cell_row(session, code)
    if not principal.sees(row.path):
        raise NotFoundError(f"no cell {code}")
    return _feature(row)


@router.get("/cells/{code}/children", **access(At.SUBTREE, reads=("grid",)))
def children(code: str, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """The children of a cell as a GeoJSON FeatureCollection (WGS84)."""
    row = cell_row(session, code)
    if not principal.sees(row.path):
        raise NotFoundError(f"no cell {code}")
    version = active_version(session)
    assert version is not None
    rows = session.scalars(
        select(GridCellRow)
        .where(GridCellRow.version_id == version.id, GridCellRow.parent_code == code)
        .order_by(GridCellRow.code)
    )
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}
