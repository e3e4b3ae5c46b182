"""Land-use gating: fires on cropland are straw burning; the ranking counts those separately."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import select

from firegrid.config import PipelineConfig, Settings
from firegrid.services import cell_stats, stats, task_actions
from firegrid.services.users import principal_for_user
from firegrid.store.db import migrate, transaction
from firegrid.store.tables import DetectionRow, IncidentRow, TaskRow, User, utcnow
from firegrid.worker.context import Runtime, build_runtime
from tests.ops.helpers import new_task, small_world


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[Runtime]:
    cover = tmp_path / "worldcover.tif"
    classes = np.full((100, 100), 40, np.uint8)  # cropland in the west (township T1) ...
    classes[:, 50:] = 50  # ... built-up in the east (T2); 0.0002 deg pixels over 112.00-112.02E
    with rasterio.open(
        cover,
        "w",
        driver="GTiff",
        width=100,
        height=100,
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=from_origin(112.0, 38.02, 0.0002, 0.0002),
    ) as ds:
        ds.write(classes, 1)
    settings = Settings(home=tmp_path / "home", pipeline=PipelineConfig(landcover=cover), _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    small_world(runtime, tmp_path)
    yield runtime
    runtime.close()


def _confirm(runtime: Runtime, task_id: int, inspector: str) -> None:
    with transaction(runtime.sessions) as session:
        user = session.scalars(select(User).where(User.username == inspector)).one()
        principal = principal_for_user(session, user)
        grid = runtime.grids.get(session)
        assert grid is not None
        task_actions.acknowledge(session, principal, task_id)
        task_actions.arrive(session, principal, task_id)
        task_actions.give_verdict(
            session,
            principal,
            task_id,
            task_actions.VerdictIn(True),
            task_actions.Where(),
            grid.tree,
            runtime.settings.pipeline,
        )


def test_cropland_fires_are_straw_burning_and_ranked_first(gated: Runtime) -> None:
    crop = new_task(gated, "T1V1", seq=1)
    town = new_task(gated, "T2V1", seq=2)
    with gated.sessions() as session:
        uses = dict(session.execute(select(DetectionRow.cell_code, DetectionRow.land_use)).all())
        assert uses == {"T1V1": "straw_burning", "T2V1": "built_up"}
        incidents = {i.cell_code: i.land_use for i in session.scalars(select(IncidentRow))}
        assert incidents == {"T1V1": "straw_burning", "T2V1": "built_up"}
    _confirm(gated, town, "insp-T2V1")
    with gated.sessions() as session:
        grid = gated.grids.get(session)
        assert grid is not None
        admin = principal_for_user(
            session, session.scalars(select(User).where(User.username == "op-C")).one()
        )
        before = cell_stats.ranking(session, admin, grid.tree, grid.version_id, stats.Window(), utcnow())
    assert [(r["code"], r["confirmed"], r["straw_burning"]) for r in before] == [("T2", 1, 0), ("T1", 0, 0)]
    _confirm(gated, crop, "insp-T1V1")
    with gated.sessions() as session:
        after = cell_stats.ranking(session, admin, grid.tree, grid.version_id, stats.Window(), utcnow())
        assert session.get_one(TaskRow, crop).status == "confirmed"
    assert [(r["code"], r["straw_burning"]) for r in after] == [("T1", 1), ("T2", 0)]  # straw burning ranks
