"""When a source runs next, and when its health becomes an alarm (pure; tested with a fake clock)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

MAX_BACKOFF = 16  # at most this many cadences between retries of a failing source


class HealthState(StrEnum):
    """What an operator sees."""

    OK = "ok"
    FAILING = "failing"  # the last run failed
    SILENT = "silent"  # runs succeed but no new data for longer than allowed
    UNCONFIGURED = "unconfigured"  # credentials missing
    DISABLED = "disabled"
    NEW = "new"  # never ran


@dataclass(frozen=True)
class Health:
    """A source's record of runs."""

    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_data_at: datetime | None = None
    last_data_time: datetime | None = None  # newest observation time ingested
    consecutive_failures: int = 0
    next_run_at: datetime | None = None
    last_error: str | None = None
    alerting: bool = False
    created_at: datetime | None = None


def is_due(health: Health, now: datetime) -> bool:
    """True when the source should run now."""
    return health.next_run_at is None or health.next_run_at <= now


def after_success(
    health: Health, now: datetime, cadence: timedelta, new_rows: int, data_time: datetime | None
) -> Health:
    """The record after a successful run."""
    newest = max(filter(None, (health.last_data_time, data_time)), default=None)
    return replace(
        health,
        last_attempt_at=now,
        last_success_at=now,
        consecutive_failures=0,
        last_error=None,
        last_new_data_at=now if new_rows else health.last_new_data_at,
        last_data_time=newest,
        next_run_at=now + cadence,
    )


def after_failure(health: Health, now: datetime, cadence: timedelta, error: str) -> Health:
    """The record after a failed run: retry sooner than never, later each time (exponential, capped)."""
    failures = health.consecutive_failures + 1
    delay = cadence * min(MAX_BACKOFF, 2 ** (failures - 1))
    return replace(
        health,
        last_attempt_at=now,
        consecutive_failures=failures,
        last_error=error[:2000],
        next_run_at=now + delay,
    )


def state(health: Health, now: datetime, silence_after: timedelta) -> HealthState:
    """The health state an operator sees."""
    if health.last_attempt_at is None:
        return HealthState.NEW
    if health.consecutive_failures:
        return HealthState.FAILING
    reference = health.last_new_data_at or health.created_at
    if reference is not None and now - reference > silence_after:
        return HealthState.SILENT
    return HealthState.OK


def alarm(health: Health, now: datetime, silence_after: timedelta, failures_before_alert: int) -> bool:
    """True when an operator must be told: repeated failures, or silence beyond the threshold."""
    current = state(health, now, silence_after)
    if current is HealthState.FAILING:
        return health.consecutive_failures >= failures_before_alert
    return current is HealthState.SILENT


def alert_change(health: Health, alarming: bool) -> str | None:
    """ "raise" when an alarm starts, "clear" when it ends, None otherwise (one message each)."""
    if alarming and not health.alerting:
        return "raise"
    if not alarming and health.alerting:
        return "clear"
    return None
