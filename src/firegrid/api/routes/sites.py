"""Construction sites: registry, PM10 monitor readings and the 5000 m2 video rule report."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.bodies import body_limit
from firegrid.api.deps import IngestorDep, PrincipalDep, SessionDep, SiteManagerDep, StateDep, writer_for
from firegrid.api.schemas import ImportResult
from firegrid.api.uploads import form_file, form_route, offload, read_form, save_upload
from firegrid.auth.roles import Permission
from firegrid.services.ownership import owned_by
from firegrid.services.sites import (
    compliance_report,
    describe_site,
    import_sites,
    record_reading,
    site_row,
    upsert_site,
)
from firegrid.sites.registry import SiteRecord
from firegrid.store.tables import SiteRow

router = APIRouter(prefix="/sites", tags=["construction sites"])


class ReadingIn(BaseModel):
    """One PM10 reading of a site monitor."""

    at: datetime
    pm10: float | None = Field(None, ge=0)


@router.get("", **access(At.SUBTREE, reads=("sites",)))
def list_sites(principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The sites of the caller's subtree (polygon as GeoJSON, geodesic area, people, cameras,
    monitors)."""
    query = select(SiteRow).where(owned_by(SiteRow.owner_path, principal)).order_by(SiteRow.id)
    return [describe_site(session, r) for r in session.scalars(query)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    **access(At.SUBTREE, Permission.MANAGE_SITES, writes=("sites",)),
)
def put_site(
    body: SiteRecord, principal: SiteManagerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Create or replace a site (WGS84 polygon) lying in the caller's area (audited)."""
    row, _created = upsert_site(session, body, writer_for(state, session, principal))
    session.commit()
    return describe_site(session, row)


@router.post(
    "/import",
    **form_route(
        access(At.SUBTREE, Permission.MANAGE_SITES, writes=("sites",)),
        "file",
        "GeoJSON, GeoPackage, zipped Shapefile or CSV",
    ),
)
@body_limit("upload")
async def import_file(
    request: Request, principal: SiteManagerDep, session: SessionDep, state: StateDep
) -> ImportResult:
    """Import GeoJSON / GeoPackage / zipped Shapefile / CSV with a WKT column; bad features are listed."""
    settings = state.runtime.settings
    async with read_form(request) as form:
        upload = form_file(form, "file")
        path, name, _sha = await save_upload(
            upload, settings.uploads_dir / "sites", settings.upload_max_bytes
        )

    def run() -> ImportResult:
        result = import_sites(session, path, writer_for(state, session, principal))
        session.commit()
        errors = [{"file": name, "line": e.line, "message": e.message} for e in result.errors]
        return ImportResult(new=result.new, updated=result.updated, errors=errors)

    return await offload(state.heavy, run)


@router.get("/compliance", **access(At.SUBTREE, reads=("sites",)))
def compliance(principal: PrincipalDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Which sites of the caller's subtree must have video (and monitors), which are in the review
    band, what is broken."""
    rule = state.runtime.settings.sites
    report = compliance_report(session, rule, datetime.now(UTC), principal)
    return {
        "rule": rule.model_dump(),
        "sites": [
            {
                "site": c.site_id,
                "area_m2": round(c.area_m2, 1),
                "requirement": c.requirement,
                "violations": [asdict(v) for v in c.violations],
            }
            for c in report
        ],
    }


@router.get("/{site_id}", **access(At.SUBTREE, reads=("sites",)))
def get_site(site_id: str, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """One site of the caller's subtree."""
    return describe_site(session, site_row(session, site_id, principal))


@router.post(
    "/monitors/{mn}/readings",
    status_code=status.HTTP_204_NO_CONTENT,
    **access(At.SUBTREE, Permission.INGEST, writes=("sites",)),
)
def post_reading(mn: str, body: ReadingIn, principal: IngestorDep, session: SessionDep) -> None:
    """A PM10 monitor of a site in the caller's subtree reported (relayed from HJ 212 or any
    client)."""
    at = body.at if body.at.tzinfo else body.at.replace(tzinfo=UTC)
    record_reading(session, mn, at, body.pm10, principal)
    session.commit()
