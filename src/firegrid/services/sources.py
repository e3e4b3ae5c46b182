"""Acquisition sources: configure, run (scheduled or backfill), record health, alert once.

A run pulls what is new, stores the raw response under ``FIREGRID_HOME/pulls`` and feeds it
through the same idempotent ingest as a file upload, so a repeated or overlapping pull adds
nothing. Health (last attempt / success / new data, lag, failures, next run) lives on the
source's row; alarms go to operators through the outbox, one message when they start and
one when they end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth.roles import Principal, Role
from firegrid.config import Settings
from firegrid.errors import FiregridError, InputError, NotFoundError
from firegrid.redact import redact
from firegrid.services.notifications import Audience, notify
from firegrid.services.ownership import Writer, home_path, readable
from firegrid.services.ownership import record as audit
from firegrid.services.pulls import (
    Config,
    RunReport,
    SourceContext,
    missing_credentials,
    run_source,
    watch_folder,
)
from firegrid.sources import schedule
from firegrid.sources.models import GeoFolder, WatchFolder, parse_source
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, SourceRow, User, utcnow

log = logging.getLogger(__name__)


# --- configuration -------------------------------------------------------------------------


def upsert_source(
    session: Session, config: Config, settings: Settings, writer: Writer | None = None
) -> SourceRow:
    """Create or replace a source's definition (its health record is kept). A new source belongs to
    its writer's first cell (the deployment for the system and admins); another area's source is
    refused (403). A watch folder must lie under the data roots (``UnsafeFileError``). Audited."""
    if isinstance(config, WatchFolder | GeoFolder):
        watch_folder(config, settings)
    writer = writer or Writer()
    row = session.scalars(select(SourceRow).where(SourceRow.name == config.name)).first()
    owner = row.owner_path if row is not None else home_path(writer.principal) if writer.principal else ""
    writer.admit(row.owner_path if row else None, owner, f"source {config.name}")
    data = config.model_dump(mode="json")
    audit(session, writer.actor, "source", config.name, "upsert", owner, source_kind=config.kind)
    if row is None:
        row = SourceRow(
            name=config.name, kind=config.kind, config=data, enabled=config.enabled, owner_path=owner
        )
        session.add(row)
    else:
        row.kind, row.config, row.enabled, row.updated_at = config.kind, data, config.enabled, utcnow()
        row.next_run_at = None  # a changed source runs at the next tick
    session.flush()
    return row


def source_row(session: Session, name: str, principal: Principal | None = None) -> SourceRow:
    """A source by name (one the principal may read, when given: theirs, or a shared feed above
    their area), or ``NotFoundError``."""
    row = session.scalars(select(SourceRow).where(SourceRow.name == name)).first()
    if row is None or (principal is not None and not readable(principal, row.owner_path)):
        raise NotFoundError(f"no source {name!r}")
    return row


def config_of(row: SourceRow) -> Config:
    """The validated definition stored on a row."""
    return parse_source(row.config)


# --- health ----------------------------------------------------------------------------------


def health_of(row: SourceRow) -> schedule.Health:
    """The pure health record of a row."""
    return schedule.Health(
        row.last_attempt_at,
        row.last_success_at,
        row.last_new_data_at,
        row.last_data_time,
        row.consecutive_failures,
        row.next_run_at,
        row.last_error,
        row.alerting,
        row.created_at,
    )


def describe(row: SourceRow, settings: Settings, now: datetime) -> dict[str, Any]:
    """A source's definition (no secrets) and health, as the API and CLI show it."""
    config = config_of(row)
    health = health_of(row)
    silence = timedelta(hours=config.silence_after_h)
    current = schedule.state(health, now, silence)
    if not row.enabled:
        current = schedule.HealthState.DISABLED
    elif missing_credentials(config, settings):
        current = schedule.HealthState.UNCONFIGURED
    lag = (now - row.last_data_time).total_seconds() if row.last_data_time else None
    return {
        "name": row.name,
        "kind": row.kind,
        "enabled": row.enabled,
        "state": current.value,
        "problem": redact(missing_credentials(config, settings) or row.last_error),
        "config": redact(row.config),
        "last_attempt_at": row.last_attempt_at,
        "last_success_at": row.last_success_at,
        "last_new_data_at": row.last_new_data_at,
        "last_data_time": row.last_data_time,
        "lag_s": lag,
        "consecutive_failures": row.consecutive_failures,
        "next_run_at": row.next_run_at,
        "alerting": row.alerting,
        "runs": row.runs,
        "last_summary": row.last_summary,
    }


def _store_health(row: SourceRow, health: schedule.Health) -> None:
    row.last_attempt_at, row.last_success_at = health.last_attempt_at, health.last_success_at
    row.last_new_data_at, row.last_data_time = health.last_new_data_at, health.last_data_time
    row.consecutive_failures, row.next_run_at = health.consecutive_failures, health.next_run_at
    row.last_error, row.updated_at = health.last_error, utcnow()


def check_alarm(session: Session, row: SourceRow, now: datetime, channels: tuple[str, ...]) -> str | None:
    """Raise or clear the source's alarm (one outbox message per change per channel)."""
    config = config_of(row)
    alarming = row.enabled and schedule.alarm(
        health_of(row), now, timedelta(hours=config.silence_after_h), config.failures_before_alert
    )
    change = schedule.alert_change(health_of(row), alarming)
    if change is None:
        return None
    row.alerting = change == "raise"
    state = schedule.state(health_of(row), now, timedelta(hours=config.silence_after_h))
    text = (
        i18n.text(
            "text.source_alarm",
            name=row.name,
            state=i18n.label("source_state", state.value),
            error=row.last_error or i18n.text("text.no_new_data"),
        )
        if change == "raise"
        else i18n.text("text.source_recovered", name=row.name)
    )
    topic = f"source.{'alert' if change == 'raise' else 'recovered'}"
    payload = {
        "type": topic,
        "source": row.name,
        "state": state.value,
        "error": row.last_error,
        "text": text,
    }
    operators = list(
        session.scalars(
            select(User).where(User.role.in_((Role.COUNTY_OPERATOR.value, Role.ADMIN.value)), User.is_active)
        )
    )
    key = f"source:{row.name}:{change}:{now.isoformat()}"
    notify(session, channels, key, topic, payload, Audience(operators), None)
    log.warning("source %s alarm %s: %s", row.name, change, text)
    return change


# --- scheduling --------------------------------------------------------------------------------


def due_sources(session: Session, now: datetime, settings: Settings) -> list[str]:
    """Enabled, configured sources whose next run is due and that are not running."""
    rows = session.scalars(select(SourceRow).where(SourceRow.enabled).order_by(SourceRow.name))
    stale = now - timedelta(hours=1)
    return [
        r.name
        for r in rows
        if schedule.is_due(health_of(r), now)
        and (r.running_since is None or r.running_since < stale)
        and missing_credentials(config_of(r), settings) is None
    ]


def claim(session: Session, name: str, now: datetime) -> bool:
    """Mark a source running (False if another worker has it): one run per source at a time."""
    stale = now - timedelta(hours=1)
    result = session.execute(
        update(SourceRow)
        .where(SourceRow.name == name)
        .where((SourceRow.running_since.is_(None)) | (SourceRow.running_since < stale))
        .values(running_since=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def run_scheduled(ctx: SourceContext, name: str) -> RunReport | None:
    """Run a due source once (claimed), record health and alarms. None when someone else runs it."""
    now = ctx.clock()
    with transaction(ctx.ingest.sessions) as session:
        if not claim(session, name, now):
            return None
        config = config_of(source_row(session, name))
    return _run_and_record(ctx, name, config, None, None)


def backfill(
    ctx: SourceContext,
    name: str,
    since: date,
    until: date,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Re-pull a window of days (idempotent); health is recorded like any run."""
    if until < since:
        raise InputError(f"--until {until} is before --since {since}")
    with ctx.ingest.sessions() as session:
        config = config_of(source_row(session, name))
    return _run_and_record(ctx, name, config, since, until, progress)


def _run_and_record(
    ctx: SourceContext,
    name: str,
    config: Config,
    since: date | None,
    until: date | None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    cadence = timedelta(seconds=config.cadence_s)
    try:
        report = run_source(ctx, config, since, until, progress)
    except (FiregridError, OSError, ValueError) as exc:
        with transaction(ctx.ingest.sessions) as session:
            row = source_row(session, name)
            _store_health(row, schedule.after_failure(health_of(row), ctx.clock(), cadence, str(exc)))
            row.running_since, row.runs = None, row.runs + 1
            check_alarm(session, row, ctx.clock(), tuple(ctx.ingest.channels))
        raise
    with transaction(ctx.ingest.sessions) as session:
        row = source_row(session, name)
        data_time = max(filter(None, (_newest_observation(session, report), report.data_time)), default=None)
        new_rows = report.summary.new + report.scenes_queued + report.slots
        _store_health(row, schedule.after_success(health_of(row), ctx.clock(), cadence, new_rows, data_time))
        row.running_since, row.runs = None, row.runs + 1
        row.last_summary = {
            **report.summary.model_dump(mode="json", exclude={"warnings"}),
            "scenes_queued": report.scenes_queued,
            "slots": report.slots,
            "notes": report.notes[:20],
        }
        check_alarm(session, row, ctx.clock(), tuple(ctx.ingest.channels))
    return report


def _newest_observation(session: Session, report: RunReport) -> datetime | None:
    if not report.ingest_jobs:
        return None
    return session.scalar(
        select(DetectionRow.observed_at)
        .where(DetectionRow.ingest_job_id.in_(report.ingest_jobs))
        .order_by(DetectionRow.observed_at.desc())
        .limit(1)
    )


def import_sources(session: Session, path: Path, settings: Settings) -> list[str]:
    """Upsert every source of a YAML file; returns their names."""
    from firegrid.sources.models import load_sources_file

    return [upsert_source(session, config, settings).name for config in load_sources_file(path)]
