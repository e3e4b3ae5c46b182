"""Per-preset masks that learn, end to end: an alarm, an inspector's 查否, the township's review, and the
same view patrolled again pages no more; the reviewed alarm is exported as a hard negative for retraining."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from firegrid.services import task_actions
from firegrid.services.camera_masks import learned_masks, list_masks, set_active
from firegrid.services.cameras import patrol, upsert_camera
from firegrid.services.field_dataset import export_dataset
from firegrid.services.users import principal_for_user
from firegrid.store.db import transaction
from firegrid.store.tables import CameraEvent, CameraRow, TaskRow, User
from firegrid.training.field import field_samples
from firegrid.worker.context import Runtime
from tests.cameras.test_patrol import CLIP, context, looking_at, setup_users, village_point


def _act(runtime: Runtime, username: str, step: str, task_id: int, reason: str | None = None) -> None:
    with transaction(runtime.sessions) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        principal = principal_for_user(session, user)
        grid = runtime.grids.get(session)
        assert grid is not None
        if step == "verdict":
            verdict = task_actions.VerdictIn(reason is None, reason, "村口砖厂烟囱")
            config = runtime.settings.pipeline
            task_actions.give_verdict(
                session, principal, task_id, verdict, task_actions.Where(), grid.tree, config
            )
        else:
            getattr(task_actions, step)(session, principal, task_id)


def _alarms(runtime: Runtime, camera: str, patrols: int = 3) -> list[int]:
    ctx = context(runtime)
    reports = [patrol(ctx, camera) for _ in range(patrols)]
    return [e for r in reports if r for e in r.events]


def _at(runtime: Runtime, event_id: int, box: list[float]) -> bool:
    """Whether an event's box centre lies in a learned box (image fractions)."""
    with runtime.sessions() as session:
        event = session.get_one(CameraEvent, event_id)
    x1, y1, x2, y2 = event.box
    cx, cy = (x1 + x2) / 2 / event.image_width, (y1 + y2) / 2 / event.image_height
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _restart(runtime: Runtime, camera: str) -> None:
    """Forget the patrol state: the clip plays again from its first frame, as if the chimney smoked again."""
    with transaction(runtime.sessions) as session:
        session.get_one(CameraRow, camera).state = {}
    for path in (runtime.settings.home / "cameras").rglob("*.npz"):
        path.unlink()


@pytest.mark.shared_data
def test_a_reviewed_rejection_masks_the_alarm_and_feeds_retraining(
    grid_runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    setup_users(grid_runtime)
    with transaction(grid_runtime.sessions) as session:
        upsert_camera(session, looking_at("tower1", shared_data / CLIP, village_point(grid_runtime), 270))
    first = _alarms(grid_runtime, "tower1")
    assert len(first) == 1
    with grid_runtime.sessions() as session:
        task = session.scalars(select(TaskRow).where(TaskRow.source_kind == "camera")).one()
        task_id, village = task.id, task.cell_code  # the village the alarm was located in
        event = session.get_one(CameraEvent, first[0])
    inspector = f"insp-{village}"
    for step in ("acknowledge", "arrive"):
        _act(grid_runtime, inspector, step, task_id)
    _act(grid_runtime, inspector, "verdict", task_id, "industrial_heat_source")
    with grid_runtime.sessions() as session:
        assert learned_masks(session, "tower1", "field") == []  # the inspector alone does not teach
    _act(grid_runtime, f"rev-{village[:9]}", "close", task_id)  # the township reviews
    with grid_runtime.sessions() as session:
        masks = list_masks(session, "tower1")
    assert len(masks) == 1 and masks[0]["event_id"] == event.id and masks[0]["preset"] == "field"
    x1, _, _, y2 = masks[0]["box"]
    assert x1 * event.image_width == pytest.approx(event.box[0], abs=0.1)
    assert y2 * event.image_height == pytest.approx(event.box[3], abs=0.1)
    assert "industrial_heat_source" in masks[0]["reason"]

    _restart(grid_runtime, "tower1")
    again = _alarms(grid_runtime, "tower1")
    assert not any(_at(grid_runtime, e, masks[0]["box"]) for e in again)  # that look-alike pages no more
    with transaction(grid_runtime.sessions) as session:
        set_active(session, masks[0]["id"], False)
    _restart(grid_runtime, "tower1")
    unmasked = _alarms(grid_runtime, "tower1")
    assert any(_at(grid_runtime, e, masks[0]["box"]) for e in unmasked)  # switched off: it pages again

    out = tmp_path / "field"
    with grid_runtime.sessions() as session:
        counts = export_dataset(session, out)
    assert counts == {"none/train": 1}  # the later alarms have no verdict yet: not exported
    with (out / "index.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["label"] == "none" and rows[0]["verdict"] == "rejected:industrial_heat_source"
    assert rows[0]["camera"] == "tower1" and rows[0]["preset"] == "field"
    samples = field_samples(out, ["smoke", "fire"])
    assert [(s.role, s.split, s.group) for s in samples] == [("negative", "train", "tower1/field")]
    assert samples[0].path.is_file()
