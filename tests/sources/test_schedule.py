"""Cadence, backoff and alarms with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firegrid.sources import schedule
from firegrid.sources.schedule import Health, HealthState

T0 = datetime(2024, 10, 28, 6, 0, tzinfo=UTC)
CADENCE = timedelta(minutes=15)
SILENCE = timedelta(hours=24)


def test_cadence_and_backoff() -> None:
    h = Health(created_at=T0)
    assert schedule.is_due(h, T0)
    h = schedule.after_success(h, T0, CADENCE, new_rows=5, data_time=T0 - timedelta(hours=3))
    assert h.next_run_at == T0 + CADENCE and not schedule.is_due(h, T0 + timedelta(minutes=14))
    assert h.last_new_data_at == T0 and h.last_data_time == T0 - timedelta(hours=3)
    delays = []
    now = T0 + CADENCE
    for _ in range(7):
        h = schedule.after_failure(h, now, CADENCE, "HTTP 503")
        delays.append((h.next_run_at - now) / CADENCE)  # type: ignore[operator]
        now = h.next_run_at  # type: ignore[assignment]
    assert delays == [1, 2, 4, 8, 16, 16, 16]
    h = schedule.after_success(h, now, CADENCE, new_rows=0, data_time=None)
    assert h.consecutive_failures == 0 and h.next_run_at == now + CADENCE
    assert h.last_new_data_at == T0  # an empty success is not new data


def test_alarm_raised_once_and_cleared_on_recovery() -> None:
    h = schedule.after_success(Health(created_at=T0), T0, CADENCE, 3, T0)
    changes = []
    now = T0
    for _ in range(5):  # failing: alarm from the 3rd failure on, raised once
        now += CADENCE
        h = schedule.after_failure(h, now, CADENCE, "boom")
        change = schedule.alert_change(h, schedule.alarm(h, now, SILENCE, 3))
        changes.append(change)
        if change == "raise":
            h = Health(**{**h.__dict__, "alerting": True})
    assert changes == [None, None, "raise", None, None]
    assert schedule.state(h, now, SILENCE) is HealthState.FAILING
    h = schedule.after_success(h, now + CADENCE, CADENCE, 1, now)
    assert schedule.alert_change(h, schedule.alarm(h, now + CADENCE, SILENCE, 3)) == "clear"


def test_silence_is_an_alarm() -> None:
    h = schedule.after_success(Health(created_at=T0), T0, CADENCE, 3, T0)
    later = T0 + timedelta(hours=25)
    h = schedule.after_success(h, later, CADENCE, 0, None)  # runs fine, nothing new
    assert schedule.state(h, later, SILENCE) is HealthState.SILENT
    assert schedule.alert_change(h, schedule.alarm(h, later, SILENCE, 3)) == "raise"
    assert schedule.state(Health(), T0, SILENCE) is HealthState.NEW
