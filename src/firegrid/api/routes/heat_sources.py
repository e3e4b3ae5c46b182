"""The industrial heat-source registry."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile, status
from sqlalchemy import select

from firegrid.api.deps import HeatManagerDep, PrincipalDep, SessionDep, StateDep
from firegrid.api.schemas import HeatSourceIn, HeatSourceOut, ImportResult
from firegrid.api.uploads import save_upload
from firegrid.errors import NotFoundError
from firegrid.services.heat_sources import import_heat_sources, upsert_heat_sources
from firegrid.store.tables import HeatSourceRow
from firegrid.suppress.heat_sources import from_point

router = APIRouter(prefix="/heat-sources", tags=["heat sources"])


@router.get("")
def list_sources(_: PrincipalDep, session: SessionDep, active: bool = True) -> list[HeatSourceOut]:
    """Registry entries."""
    query = select(HeatSourceRow).order_by(HeatSourceRow.id)
    if active:
        query = query.where(HeatSourceRow.is_active)
    return [HeatSourceOut.model_validate(r) for r in session.scalars(query)]


@router.post("", status_code=status.HTTP_201_CREATED)
def add_source(body: HeatSourceIn, _: HeatManagerDep, session: SessionDep) -> HeatSourceOut:
    """Add one point source with a radius."""
    source = from_point(
        body.name, body.kind, body.lon, body.lat, body.radius_m, f"{body.lat:.5f},{body.lon:.5f}"
    )
    upsert_heat_sources(session, [source], body.registry)
    session.commit()
    row = session.scalars(
        select(HeatSourceRow).where(
            HeatSourceRow.registry_name == body.registry, HeatSourceRow.external_id == source.external_id
        )
    ).one()
    return HeatSourceOut.model_validate(row)


@router.post("/import")
async def import_file(
    file: UploadFile,
    _: HeatManagerDep,
    session: SessionDep,
    state: StateDep,
    registry: str | None = None,
) -> ImportResult:
    """Import CSV / GeoJSON / GeoPackage / zipped Shapefile; rows that cannot be used are listed."""
    settings = state.runtime.settings
    path, name, _sha = await save_upload(
        file, settings.uploads_dir / "heat_sources", settings.upload_max_bytes
    )
    result = import_heat_sources(
        session,
        path,
        registry=registry or path.stem,
        default_radius_m=settings.pipeline.heat_source_default_radius_m,
    )
    session.commit()
    errors = [{"file": name, "line": e.line, "message": e.message} for e in result.errors]
    return ImportResult(new=result.new, updated=result.updated, errors=errors)


@router.delete("/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def deactivate(source_id: int, _: HeatManagerDep, session: SessionDep) -> None:
    """Stop suppressing with this entry (it stays in the registry for the audit)."""
    row = session.get(HeatSourceRow, source_id)
    if row is None:
        raise NotFoundError(f"no heat source {source_id}")
    row.is_active = False
    session.commit()
