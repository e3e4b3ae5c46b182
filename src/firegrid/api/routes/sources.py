"""Acquisition sources: definitions (no secrets), health, run now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, status
from pydantic import ValidationError
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import IngestorDep, SessionDep, StateDep
from firegrid.auth.roles import Permission
from firegrid.errors import InputError
from firegrid.services.ownership import Writer, readable_clause
from firegrid.services.sources import describe, source_row, upsert_source
from firegrid.sources.models import parse_source
from firegrid.store.tables import SourceRow, utcnow

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", **access(At.SUBTREE, Permission.INGEST, reads=("sources",)))
def list_sources(principal: IngestorDep, session: SessionDep, state: StateDep) -> list[dict[str, Any]]:
    """The caller's sources and the shared feeds above their area, with their health: last
    attempt/success/new data, lag, failures, next run (URLs and secrets redacted)."""
    now = utcnow()
    query = select(SourceRow).where(readable_clause(SourceRow.owner_path, principal))
    rows = session.scalars(query.order_by(SourceRow.name))
    return [describe(r, state.runtime.settings, now) for r in rows]


@router.get("/{name}", **access(At.SUBTREE, Permission.INGEST, reads=("sources",)))
def get_source(name: str, principal: IngestorDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """One source."""
    return describe(source_row(session, name, principal), state.runtime.settings, utcnow())


@router.put("/{name}", **access(At.SUBTREE, Permission.INGEST, writes=("sources",)))
def put_source(
    name: str,
    principal: IngestorDep,
    session: SessionDep,
    state: StateDep,
    body: dict[str, Any] = Body(...),
) -> dict[str, Any]:
    """Create or replace a source definition of the caller's area (credentials stay in settings)."""
    try:
        config = parse_source({**body, "name": name})
    except ValidationError as exc:
        raise InputError(f"source {name}: {exc.errors(include_url=False)}") from None
    row = upsert_source(session, config, state.runtime.settings, Writer(principal.name, principal))
    session.commit()
    return describe(row, state.runtime.settings, utcnow())


@router.post(
    "/{name}/run",
    status_code=status.HTTP_202_ACCEPTED,
    **access(At.SUBTREE, Permission.INGEST, writes=("sources",)),
)
def run_now(name: str, principal: IngestorDep, session: SessionDep, state: StateDep) -> dict[str, str]:
    """Queue a run now of a source of the caller's area (the scheduler also runs it on its cadence)."""
    row = source_row(session, name, principal)
    Writer(principal.name, principal).admit(row.owner_path, row.owner_path, f"source {name}")
    state.queue.pull(name)
    return {"queued": name}
