"""The industrial heat-source registry."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.bodies import body_limit
from firegrid.api.deps import HeatManagerDep, PrincipalDep, SessionDep, StateDep, writer_for
from firegrid.api.schemas import HeatSourceIn, HeatSourceOut, ImportResult
from firegrid.api.uploads import form_file, form_route, offload, read_form, save_upload
from firegrid.auth.roles import Permission
from firegrid.services import heat_sources
from firegrid.services.heat_sources import add_heat_source, import_heat_sources
from firegrid.services.ownership import owned_by
from firegrid.store.tables import HeatSourceRow
from firegrid.suppress.heat_sources import from_point

router = APIRouter(prefix="/heat-sources", tags=["heat sources"])


@router.get("", **access(At.SUBTREE, reads=("heat_sources",)))
def list_sources(principal: PrincipalDep, session: SessionDep, active: bool = True) -> list[HeatSourceOut]:
    """Registry entries of the caller's subtree."""
    query = select(HeatSourceRow).where(owned_by(HeatSourceRow.owner_path, principal))
    query = query.order_by(HeatSourceRow.id)
    if active:
        query = query.where(HeatSourceRow.is_active)
    return [HeatSourceOut.model_validate(r) for r in session.scalars(query)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    **access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, writes=("heat_sources",)),
)
def add_source(
    body: HeatSourceIn, principal: HeatManagerDep, session: SessionDep, state: StateDep
) -> HeatSourceOut:
    """Add one point source with a radius; its whole circle must lie in the caller's area and, but
    for admins, within the radius limit (audited)."""
    source = from_point(
        body.name, body.kind, body.lon, body.lat, body.radius_m, f"{body.lat:.5f},{body.lon:.5f}"
    )
    limit = state.runtime.settings.pipeline.heat_source_max_radius_m
    row = add_heat_source(session, source, body.registry, writer_for(state, session, principal), limit)
    session.commit()
    return HeatSourceOut.model_validate(row)


@router.post(
    "/import",
    **form_route(
        access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, writes=("heat_sources",)),
        "file",
        "CSV, GeoJSON, GeoPackage or zipped Shapefile",
    ),
)
@body_limit("upload")
async def import_file(
    request: Request,
    principal: HeatManagerDep,
    session: SessionDep,
    state: StateDep,
    registry: str | None = None,
) -> ImportResult:
    """Import CSV / GeoJSON / GeoPackage / zipped Shapefile; rows that cannot be used are listed."""
    settings = state.runtime.settings
    async with read_form(request) as form:
        upload = form_file(form, "file")
        path, name, _sha = await save_upload(
            upload, settings.uploads_dir / "heat_sources", settings.upload_max_bytes
        )

    def run() -> ImportResult:
        result = import_heat_sources(
            session,
            path,
            registry=registry or path.stem,
            default_radius_m=settings.pipeline.heat_source_default_radius_m,
            writer=writer_for(state, session, principal),
            max_radius_m=settings.pipeline.heat_source_max_radius_m,
        )
        session.commit()
        errors = [{"file": name, "line": e.line, "message": e.message} for e in result.errors]
        return ImportResult(new=result.new, updated=result.updated, errors=errors)

    return await offload(state.heavy, run)


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    **access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, writes=("heat_sources",)),
)
def deactivate(source_id: int, principal: HeatManagerDep, session: SessionDep) -> None:
    """Stop suppressing with an entry of the caller's subtree (it stays in the registry; audited)."""
    heat_sources.deactivate(session, principal, source_id)
    session.commit()
