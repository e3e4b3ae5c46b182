"""FIRMS sources through the real httpx client against a local fake serving the real FIRMS files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from firegrid.errors import ConfigError
from firegrid.services.pulls import SourceContext
from firegrid.services.sources import backfill, run_scheduled, upsert_source
from firegrid.sources.firms import TransactionLimiter, clip_csv, day_chunks
from firegrid.sources.http import Retry
from firegrid.sources.models import FirmsArea, FirmsFile
from firegrid.store.db import transaction
from firegrid.store.tables import OutboxMessage, SourceRow
from firegrid.worker.context import Runtime
from tests.sources.fake_firms import KEY, FakeFirms

SOUTH_ASIA = (70.0, 5.0, 100.0, 40.0)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake(shared_data: Path) -> Iterator[FakeFirms]:
    with FakeFirms(shared_data) as server:
        yield server


@pytest.fixture
def ctx(runtime: Runtime, fake: FakeFirms) -> SourceContext:
    runtime.settings.firms.base_url = fake.url
    runtime.settings.firms.map_key = SecretStr(KEY)
    sleeps: list[float] = []
    context = runtime.sources(lambda job_id: None)
    context.retry = Retry(attempts=3, base_s=0.01, sleep=sleeps.append)
    context.clock = Clock()
    context.sleeps = sleeps  # type: ignore[attr-defined]
    return context


def add(runtime: Runtime, config: FirmsArea | FirmsFile) -> None:
    with transaction(runtime.sessions) as session:
        upsert_source(session, config, runtime.settings)


def row(runtime: Runtime, name: str) -> SourceRow:
    with runtime.sessions() as session:
        return session.scalars(select(SourceRow).where(SourceRow.name == name)).one()


@pytest.mark.shared_data
def test_poll_ingests_new_rows_once_and_records_health(
    ctx: SourceContext, runtime: Runtime, fake: FakeFirms
) -> None:
    add(runtime, FirmsArea(name="viirs", products=["VIIRS_SNPP_NRT"], day_range=2, bbox=SOUTH_ASIA))
    first = run_scheduled(ctx, "viirs")
    assert first is not None and first.summary.new > 100 and first.summary.errors == []
    health = row(runtime, "viirs")
    assert health.last_success_at == ctx.clock() and health.last_new_data_at == ctx.clock()
    assert health.last_data_time is not None and health.last_data_time.date() == date(2025, 6, 28)
    assert health.next_run_at == ctx.clock() + timedelta(seconds=900)
    second = run_scheduled(ctx, "viirs")
    assert second is not None and second.summary.new == 0 and second.summary.duplicates == first.summary.new
    assert fake.faults.calls == ["VIIRS_SNPP_NRT/2/latest", "VIIRS_SNPP_NRT/2/latest"]
    assert list(runtime.settings.pulls_dir.joinpath("viirs").glob("*.csv"))  # the raw responses are kept


@pytest.mark.shared_data
def test_rate_limit_server_error_empty_day_and_malformed_row(
    ctx: SourceContext, runtime: Runtime, fake: FakeFirms
) -> None:
    add(runtime, FirmsArea(name="mix", products=["VIIRS_NOAA20_NRT", "VIIRS_SNPP_NRT"], bbox=SOUTH_ASIA))
    fake.faults.rate_limit_once = True
    fake.faults.error_once = True
    fake.faults.malformed_row = True
    report = run_scheduled(ctx, "mix")
    assert report is not None
    sleeps = ctx.sleeps  # type: ignore[attr-defined]
    assert (
        sleeps[0] == 0.0 and 0.01 <= sleeps[1] <= 0.02
    )  # Retry-After: 0, then jittered backoff (2nd attempt)
    assert report.summary.new > 0  # the empty NOAA-20 day and the good S-NPP rows
    assert [e.message for e in report.summary.errors] == ["longitude is not a number: 'not-a-number'"] * 2


@pytest.mark.shared_data
def test_bad_key_fails_and_alarms_once(ctx: SourceContext, runtime: Runtime) -> None:
    runtime.settings.firms.map_key = SecretStr("wrongwrongwrongwrong")
    add(runtime, FirmsArea(name="broken", products=["MODIS_NRT"], bbox=SOUTH_ASIA, failures_before_alert=2))
    for _ in range(4):
        ctx.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
        with pytest.raises(ConfigError, match="MAP_KEY"):
            run_scheduled(ctx, "broken")
    health = row(runtime, "broken")
    assert health.consecutive_failures == 4 and health.alerting and "MAP_KEY" in (health.last_error or "")
    runtime.settings.firms.map_key = SecretStr(KEY)
    ctx.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    run_scheduled(ctx, "broken")
    assert not row(runtime, "broken").alerting
    with runtime.sessions() as session:
        topics = [m.topic for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert topics == ["source.alert", "source.recovered"]  # once each (log channel)


@pytest.mark.shared_data
def test_backfill_in_five_day_chunks_is_idempotent(
    ctx: SourceContext, runtime: Runtime, fake: FakeFirms
) -> None:
    add(runtime, FirmsArea(name="history", products=["VIIRS_SNPP_NRT"], bbox=SOUTH_ASIA))
    report = backfill(ctx, "history", date(2025, 6, 20), date(2025, 6, 28))
    assert fake.faults.calls == ["VIIRS_SNPP_NRT/5/2025-06-20", "VIIRS_SNPP_NRT/4/2025-06-25"]
    total = report.summary.new
    assert total > 1000
    again = backfill(ctx, "history", date(2025, 6, 20), date(2025, 6, 28))
    assert again.summary.new == 0 and again.summary.duplicates == total


@pytest.mark.shared_data
def test_regional_file_is_clipped(ctx: SourceContext, runtime: Runtime) -> None:
    add(
        runtime,
        FirmsFile(name="regional", products=["MODIS_NRT"], region="Global", bbox=(110.0, 32.0, 120.0, 42.0)),
    )
    report = run_scheduled(ctx, "regional")
    assert report is not None and report.summary.new == 197  # the north-China subset of the global file


def test_helpers() -> None:
    assert list(day_chunks(date(2025, 1, 1), date(2025, 1, 12))) == [
        (date(2025, 1, 1), 5),
        (date(2025, 1, 6), 5),
        (date(2025, 1, 11), 2),
    ]
    waits: list[float] = []
    clock = [0.0]
    limiter = TransactionLimiter(
        capacity=10,
        period_s=600,
        clock=lambda: clock[0],
        sleep=lambda s: (waits.append(s), clock.__setitem__(0, clock[0] + s)),
    )
    limiter.acquire(6)
    limiter.acquire(4)
    limiter.acquire(3)  # must wait for the first 6 to leave the window
    assert waits == [600.0]
    text = "latitude,longitude\n1,1\n50,50\nx,y\n"
    assert clip_csv(text, (0, 0, 10, 10)) == "latitude,longitude\n1,1\nx,y\n"


def test_missing_key_is_unconfigured(runtime: Runtime) -> None:
    from firegrid.services.sources import describe, due_sources

    add(runtime, FirmsArea(name="nokey", bbox=SOUTH_ASIA))
    with runtime.sessions() as session:
        info = describe(row(runtime, "nokey"), runtime.settings, datetime.now(UTC))
        assert info["state"] == "unconfigured" and "FIREGRID_FIRMS__MAP_KEY" in info["problem"]
        assert due_sources(session, datetime.now(UTC), runtime.settings) == []
    assert json.dumps(info, default=str).count(KEY) == 0
