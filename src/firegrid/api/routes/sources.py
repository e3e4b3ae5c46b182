"""Acquisition sources: definitions (no secrets), health, run now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, status
from pydantic import ValidationError
from sqlalchemy import select

from firegrid.api.deps import IngestorDep, PrincipalDep, SessionDep, StateDep
from firegrid.errors import InputError
from firegrid.services.sources import describe, source_row, upsert_source
from firegrid.sources.models import parse_source
from firegrid.store.tables import SourceRow, utcnow

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("")
def list_sources(_: PrincipalDep, session: SessionDep, state: StateDep) -> list[dict[str, Any]]:
    """Every source with its health: last attempt/success/new data, lag, failures, next run."""
    now = utcnow()
    rows = session.scalars(select(SourceRow).order_by(SourceRow.name))
    return [describe(r, state.runtime.settings, now) for r in rows]


@router.get("/{name}")
def get_source(name: str, _: PrincipalDep, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """One source."""
    return describe(source_row(session, name), state.runtime.settings, utcnow())


@router.put("/{name}")
def put_source(
    name: str, _: IngestorDep, session: SessionDep, state: StateDep, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Create or replace a source definition (credentials stay in settings)."""
    try:
        config = parse_source({**body, "name": name})
    except ValidationError as exc:
        raise InputError(f"source {name}: {exc.errors(include_url=False)}") from None
    row = upsert_source(session, config)
    session.commit()
    return describe(row, state.runtime.settings, utcnow())


@router.post("/{name}/run", status_code=status.HTTP_202_ACCEPTED)
def run_now(name: str, _: IngestorDep, session: SessionDep, state: StateDep) -> dict[str, str]:
    """Queue a run now (the scheduler also runs it on its cadence)."""
    source_row(session, name)
    state.queue.pull(name)
    return {"queued": name}
