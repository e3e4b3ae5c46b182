"""The demo shows what firegrid does: fires today, this week and this season; a bulletin with real numbers;
a printed inspector, reviewer and operator who each have something to do."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from firegrid import sample
from firegrid.auth.roles import Principal, Role
from firegrid.cli.demo import prepare
from firegrid.sample.relative import fires, shift
from firegrid.services.exports import bulletin, running_bulletin_window
from firegrid.store.tables import HeatSourceProposal, IncidentRow, TaskAssignee, TaskRow, User
from firegrid.worker.context import Runtime

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("clock", ["now", "16:59", "17:01", "17:46", "23:30"])
def test_sample_fires_move_to_the_present_keeping_their_own_spacing(clock: str) -> None:
    text = sample.path(sample.FIRE_POINTS).read_text()
    now = datetime.now(UTC)
    if clock != "now":  # Beijing wall clock: just before and after the 17:00 cut-off, and late
        hour, minute = map(int, clock.split(":"))
        now = now.astimezone(ZONE).replace(hour=hour, minute=minute).astimezone(UTC)
    window = running_bulletin_window(now, ZONE)  # what the map's 日报时段 shows
    assert window.since <= now < window.until
    local = now.astimezone(ZONE)
    season = datetime(local.year, (local.month - 1) // 3 * 3 + 1, 1, tzinfo=ZONE)
    moved = shift(text, now, window.since, season).splitlines()
    assert moved[0] == text.splitlines()[0] and len(moved) == len(text.splitlines())
    before = list(csv.DictReader(io.StringIO(text)))
    after = list(csv.DictReader(io.StringIO("\n".join(moved))))

    def at(row: dict[str, str]) -> datetime:
        return datetime.strptime(row["acq_date"] + row["acq_time"], "%Y-%m-%d%H%M").replace(tzinfo=UTC)

    groups = fires(before)
    latest = [max(at(after[i]) for i in g) for g in groups]
    assert all(t <= now for t in latest)
    assert sum(window.since <= t for t in latest[:5]) == 5  # five fires in today's bulletin window
    assert sum(now - timedelta(days=7) <= t < window.since for t in latest) >= 3  # this week
    assert any(t < now - timedelta(days=100) for t in latest)  # and earlier
    for g in groups:  # each fire keeps the spacing of its detections
        spans = [at(before[i]) - at(before[g[0]]) for i in g], [at(after[i]) - at(after[g[0]]) for i in g]
        assert spans[0] == spans[1]


def test_the_demo_story_gives_everyone_work(grid_runtime: Runtime) -> None:
    runtime = grid_runtime
    notes = prepare(runtime, story=True)
    printed = {line.split()[0]: line for line in notes if line.startswith("  ")}
    inspector = next(n for n, line in printed.items() if "inspector with a new task" in line)
    reviewer = next(n for n, line in printed.items() if "township reviewer" in line)
    operator = next(n for n, line in printed.items() if "county operator" in line)
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        statuses = dict(session.execute(select(TaskRow.status, func.count()).group_by(TaskRow.status)).all())
        assert statuses["closed"] == 2 and statuses["handled"] == 1 and statuses["rejected"] == 1
        mine = session.scalars(
            select(TaskRow)
            .join(TaskAssignee, TaskAssignee.task_id == TaskRow.id)
            .join(User, User.id == TaskAssignee.user_id)
            .where(User.username == inspector)
        ).all()
        assert [t.status for t in mine] == ["new"] and mine[0].acknowledge_by > now  # fresh, not overdue
        township = reviewer.removeprefix("rev-")
        waiting = session.scalars(select(TaskRow).where(TaskRow.cell_code.startswith(township))).all()
        assert any(t.status in ("handled", "rejected") for t in waiting)  # something to close
        proposal = session.scalars(select(HeatSourceProposal)).one()
        assert session.get_one(TaskRow, proposal.task_id).cell_code.startswith(operator.removeprefix("op-"))
        grid = runtime.grids.get(session)
        assert grid is not None
        window = running_bulletin_window(now, ZONE)
        admin = Principal("admin", Role.ADMIN, None, None)
        numbers = bulletin(session, admin, grid.tree, grid.version_id, window, now)
        assert numbers["totals"]["pushed"] >= 3 and numbers["totals"]["confirmed"] >= 1
        assert numbers["ranking"] and all(r["pushed"] for r in numbers["ranking"])
        assert numbers["quiet"] == 173 - len(numbers["ranking"])
        verified = [r["median_verify_min"] for r in numbers["ranking"] if r["median_verify_min"] is not None]
        assert verified and all(v > 10 for v in verified)  # walked over an hour, not in no time
        first = session.scalar(select(func.min(IncidentRow.first_seen)))
        assert first is not None and first > now - timedelta(days=200)
    again = prepare(runtime, story=True)  # a demo home keeps its data: nothing new, no second walk
    assert "'new': 0" in again[0]
    with runtime.sessions() as session:
        assert (
            dict(session.execute(select(TaskRow.status, func.count()).group_by(TaskRow.status)).all())
            == statuses
        )
