"""Construction sites: registry, PM10 monitor readings and the 5000 m2 video rule report."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, UploadFile, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from firegrid.api.deps import IngestorDep, PrincipalDep, SessionDep, SiteManagerDep, StateDep
from firegrid.api.schemas import ImportResult
from firegrid.api.uploads import save_upload
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


@router.get("")
def list_sites(_: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """Every site (polygon as GeoJSON, geodesic area, people, cameras, monitors)."""
    return [describe_site(session, r) for r in session.scalars(select(SiteRow).order_by(SiteRow.id))]


@router.post("", status_code=status.HTTP_201_CREATED)
def put_site(body: SiteRecord, _: SiteManagerDep, session: SessionDep) -> dict[str, Any]:
    """Create or replace a site (WGS84 polygon)."""
    row, _created = upsert_site(session, body)
    session.commit()
    return describe_site(session, row)


@router.post("/import")
async def import_file(
    file: UploadFile, _: SiteManagerDep, session: SessionDep, state: StateDep
) -> ImportResult:
    """Import GeoJSON / GeoPackage / zipped Shapefile / CSV with a WKT column; bad features are listed."""
    settings = state.runtime.settings
    path, name, _sha = await save_upload(file, settings.uploads_dir / "sites", settings.upload_max_bytes)
    result = import_sites(session, path)
    session.commit()
    errors = [{"file": name, "line": e.line, "message": e.message} for e in result.errors]
    return ImportResult(new=result.new, updated=result.updated, errors=errors)


@router.get("/compliance")
def compliance(_: PrincipalDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Which sites must have video (and monitors), which are in the review band, what is broken."""
    rule = state.runtime.settings.sites
    report = compliance_report(session, rule, datetime.now(UTC))
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


@router.get("/{site_id}")
def get_site(site_id: str, _: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """One site."""
    return describe_site(session, site_row(session, site_id))


@router.post("/monitors/{mn}/readings", status_code=status.HTTP_204_NO_CONTENT)
def post_reading(mn: str, body: ReadingIn, _: IngestorDep, session: SessionDep) -> None:
    """A PM10 monitor reported (relayed from HJ 212 or any client)."""
    at = body.at if body.at.tzinfo else body.at.replace(tzinfo=UTC)
    record_reading(session, mn, at, body.pm10)
    session.commit()
