from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from firegrid import sample
from firegrid.cli.demo import sample_users
from firegrid.services.grid import active_version
from firegrid.services.ingest import IngestSummary, create_job, ingest_file, run_job
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, IncidentRow, OutboxMessage, TaskAssignee, TaskRow, User
from firegrid.worker.context import Runtime

HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,"
    "satellite,confidence,version,bright_ti5,frp,daynight\n"
)


def firms(path: Path, rows: list[tuple[float, float, str]], day: str = "2024-10-28") -> Path:
    lines = [f"{lat},{lon},340.1,0.39,0.36,{day},{t},N,nominal,2.0NRT,290,5.5,D\n" for lat, lon, t in rows]
    path.write_text(HEADER + "".join(lines))
    return path


def count(runtime: Runtime, table: type) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_sample_points_are_routed_clustered_suppressed_and_tasked(grid_runtime: Runtime) -> None:
    with transaction(grid_runtime.sessions) as session:
        version = active_version(session)
        assert version is not None
        sample_users(session, version.id)
    summary = ingest_file(grid_runtime.ingest, sample.path(sample.FIRE_POINTS))
    assert summary.errors == []
    assert summary.new == summary.read == 28
    assert summary.suppressed == 2  # the two points on power plants
    assert summary.unrouted == 1  # the far-away point
    assert summary.incidents_new == summary.tasks_new == 13  # 12 village fires + the border point
    with grid_runtime.sessions() as session:
        methods = dict(
            session.execute(
                select(DetectionRow.route_method, func.count()).group_by(DetectionRow.route_method)
            ).all()
        )
        assert methods["nearest"] == 1
        suppressed = session.scalars(select(DetectionRow).where(DetectionRow.status == "suppressed")).all()
        assert all(
            "power_plant" in (d.suppression_reason or "") and d.incident_id is None for d in suppressed
        )
        assert session.scalar(select(func.sum(IncidentRow.n_detections))) == 25
        task = session.scalars(select(TaskRow).order_by(TaskRow.id)).first()
        assert task is not None and task.status == "new" and task.verify_by > task.created_at
        assignee = session.scalars(
            select(User).join(TaskAssignee).where(TaskAssignee.task_id == task.id)
        ).one()
        assert assignee.username == f"insp-{task.cell_code}"
    with grid_runtime.sessions() as session:
        by_channel = dict(
            session.execute(select(OutboxMessage.channel, func.count()).group_by(OutboxMessage.channel)).all()
        )
    assert by_channel == {"log": 13}  # one per task (no phone subscribed to pushes here)


def test_second_ingest_adds_nothing(grid_runtime: Runtime) -> None:
    first = ingest_file(grid_runtime.ingest, sample.path(sample.FIRE_POINTS))
    again = ingest_file(grid_runtime.ingest, sample.path(sample.FIRE_POINTS))
    assert again.model_dump(exclude={"errors", "warnings"}) == {
        "read": first.read,
        "new": 0,
        "duplicates": first.read,
        "suppressed": 0,
        "unrouted": 0,
        "incidents_new": 0,
        "tasks_new": 0,
    }
    assert count(grid_runtime, DetectionRow) == first.new
    assert count(grid_runtime, TaskRow) == first.tasks_new


def test_a_later_detection_joins_the_open_incident(grid_runtime: Runtime, tmp_path: Path) -> None:
    # 140902001001 is a village of 秀容街道; take a point inside it
    with grid_runtime.sessions() as session:
        grid = grid_runtime.grids.get(session)
        assert grid is not None
    point = grid.tree["140902001001"].geometry.representative_point()
    a = ingest_file(grid_runtime.ingest, firms(tmp_path / "a.csv", [(point.y, point.x, "0536")]))
    b = ingest_file(grid_runtime.ingest, firms(tmp_path / "b.csv", [(point.y + 0.003, point.x, "0718")]))
    c = ingest_file(grid_runtime.ingest, firms(tmp_path / "c.csv", [(point.y, point.x, "1700")]))
    assert (a.incidents_new, b.incidents_new, c.incidents_new) == (1, 0, 1)  # c is 11.4 h later
    assert (a.tasks_new, b.tasks_new, c.tasks_new) == (1, 0, 1)
    with grid_runtime.sessions() as session:
        first = session.scalars(select(IncidentRow).order_by(IncidentRow.id)).first()
        assert first is not None and first.n_detections == 2 and first.cell_code == "140902001001"


def test_bad_rows_do_not_stop_the_file(grid_runtime: Runtime, tmp_path: Path) -> None:
    path = firms(
        tmp_path / "mixed.csv", [(38.5, 112.5, "0536"), (95.0, 112.5, "0536"), (38.6, 112.6, "9999")]
    )
    summary = ingest_file(grid_runtime.ingest, path)
    assert summary.read == 3 and summary.new == 1
    assert [(e.line, e.file) for e in summary.errors] == [(3, str(path)), (4, str(path))]


def test_unreadable_file_is_one_error(grid_runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01 nothing useful here")
    summary = ingest_file(grid_runtime.ingest, path)
    assert summary.new == 0 and len(summary.errors) == 1 and "garbage.csv" in summary.errors[0].message


def test_bulletin_disagreement_is_reported(grid_runtime: Runtime, tmp_path: Path) -> None:
    with grid_runtime.sessions() as session:
        grid = grid_runtime.grids.get(session)
        assert grid is not None
    point = grid.tree["140902001001"].geometry.representative_point()
    path = tmp_path / "bulletin.csv"
    path.write_text(
        "county,township,lon,lat,time\n"
        f"忻府区,秀容街道,{point.x},{point.y},2024-10-28 13:30\n"
        f"五台县,,{point.x + 0.0001},{point.y},2024-10-28 13:31\n"
    )
    summary = ingest_file(grid_runtime.ingest, path)
    assert summary.new == 2
    assert len(summary.warnings) == 1
    assert (
        "line 3" in summary.warnings[0]
        and "五台县" in summary.warnings[0]
        and "忻府区" in summary.warnings[0]
    )


def test_no_grid_means_unrouted(runtime: Runtime) -> None:
    summary = ingest_file(runtime.ingest, sample.path(sample.FIRE_POINTS))
    assert summary.unrouted == summary.new == 28 and summary.tasks_new == 0


def test_summaries_add_up() -> None:
    a = IngestSummary(read=2, new=1, duplicates=1, warnings=["w"])
    b = IngestSummary(read=3, new=3, tasks_new=2)
    assert a.add(b).model_dump() == {
        "read": 5,
        "new": 4,
        "duplicates": 1,
        "suppressed": 0,
        "unrouted": 0,
        "incidents_new": 0,
        "tasks_new": 2,
        "errors": [],
        "warnings": ["w"],
    }


@pytest.mark.shared_data
@pytest.mark.slow
def test_global_modis_file_is_idempotent(runtime: Runtime, shared_data: Path) -> None:
    path = shared_data / "satellite" / "firms" / "MODIS_C6_1_Global_24h_20220226.csv"
    first = ingest_file(runtime.ingest, path)
    assert (first.read, first.new, first.errors) == (19416, 19416, [])
    again = ingest_file(runtime.ingest, path)
    assert (again.read, again.new, again.duplicates) == (19416, 0, 19416)
    assert count(runtime, DetectionRow) == 19416


def test_a_job_runs_once_even_when_delivered_twice(grid_runtime: Runtime) -> None:
    path = sample.path(sample.FIRE_POINTS)
    with transaction(grid_runtime.sessions) as session:
        job = create_job(session, path, sha256="0" * 64)
    first = run_job(grid_runtime.ingest, job.id)
    second = run_job(grid_runtime.ingest, job.id)  # a redelivered message
    assert second == first and first.new == 28
    assert count(grid_runtime, DetectionRow) == 28
