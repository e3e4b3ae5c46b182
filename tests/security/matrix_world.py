"""The world the route matrix walks: the demo, plus one object of every registry in an "own" village
(inside the subtree of every non-admin test user) and one in a village of another county.

Own objects carry "zz-own" and other objects "zz-other" in an id or a name, so a response that leaks
another subtree's object is found by its text. ``fingerprint`` hashes every row of the other county,
so a refused write that changed something anyway is caught too.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely
from PIL import Image
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Role
from firegrid.cli.demo import DEMO_PASSWORD
from firegrid.detect.detections import Detections
from firegrid.grid.cells import GridTree
from firegrid.services import task_actions
from firegrid.services.incident_changes import split_incident
from firegrid.services.ingest import ingest_detections
from firegrid.services.ownership import Writer, active_tree
from firegrid.services.sites import upsert_site
from firegrid.services.tasks import transition
from firegrid.services.users import add_user, principal_for_user
from firegrid.sites.registry import SiteRecord
from firegrid.store.db import transaction
from firegrid.store.tables import (
    CameraEvent,
    CameraRow,
    DetectionRow,
    HeatMaskCandidate,
    HeatSourceProposal,
    HeatSourceRow,
    IncidentRow,
    IngestJob,
    NotifyRobot,
    SceneJob,
    SiteRow,
    SourceRow,
    TaskEvent,
    TaskEvidence,
    TaskRow,
    User,
    utcnow,
)
from firegrid.worker.context import Runtime
from firegrid.workflow import TaskStatus
from tests.sites.test_sites import rectangle

OWN_COUNTY, OTHER_COUNTY = "140902", "140922"
MARK = {"own": "zz-own", "other": "zz-other"}


@dataclass
class Side:
    """One side's ids (path parameters) and places."""

    name: str
    village: str
    path: str
    lon: float
    lat: float
    ids: dict[str, Any] = field(default_factory=dict)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def _village(tree: GridTree, county: str) -> str:
    return next(c.code for c in tree if c.level == "village" and c.code.startswith(county))


def _point(tree: GridTree, code: str) -> tuple[float, float]:
    point = tree[code].geometry.representative_point()
    return point.x, point.y


def _incident(rt: Runtime, side: Side, seq: int, n: int = 1) -> int:
    """A new incident (and task) of ``n`` detections in the side's village; returns the task id."""
    when = datetime(2026, 4, 1, 3, 0, tzinfo=UTC) + timedelta(hours=9 * seq)
    detections = Detections.from_columns(
        lon=[side.lon + i * 1e-5 for i in range(n)],
        lat=[side.lat] * n,
        observed_at=[when + timedelta(minutes=i) for i in range(n)],
        source_kind="satellite_product",
        sensor="VIIRS",
        platform=f"{side.name}{seq}",
        confidence=[0.8] * n,
    )
    summary = ingest_detections(rt.ingest, detections, label=f"matrix {side.name} {seq}")
    assert summary.tasks_new == 1, summary
    with rt.sessions() as session:
        return int(session.scalars(select(TaskRow.id).order_by(TaskRow.id.desc())).first() or 0)


def _tasks(rt: Runtime, side: Side) -> None:
    """Tasks in the states the task routes need, and a reviewer's split to undo."""
    ids = side.ids
    seq = 0 if side.name == "own" else 20
    ids["task_id"] = _incident(rt, side, seq, n=3)
    for name in ("on_site", "confirmed", "handled", "dup"):
        seq += 1
        ids[f"task_{name}"] = _incident(rt, side, seq)
    inspector = f"insp-{side.village}"
    with transaction(rt.sessions) as session:
        principal = principal_for_user(
            session, session.scalars(select(User).filter_by(username=inspector)).one()
        )
        for name in ("on_site", "confirmed", "handled"):
            task_actions.acknowledge(session, principal, ids[f"task_{name}"])
            task_actions.arrive(session, principal, ids[f"task_{name}"])
        for name in ("confirmed", "handled"):
            task = session.get_one(TaskRow, ids[f"task_{name}"])
            transition(session, task, TaskStatus.CONFIRMED, inspector, "verdict")
        task_actions.handle(session, principal, ids["task_handled"], "out")
        task = session.get_one(TaskRow, ids["task_id"])
        ids["incident_id"] = task.incident_id
        detections = session.scalars(
            select(DetectionRow.id).where(DetectionRow.incident_id == task.incident_id)
        )
        ids["change_id"] = split_incident(session, task.incident_id, [next(iter(detections))], "rev", "x").id


def _registries(session: Session, rt: Runtime, tree: GridTree, side: Side) -> None:
    """One entry of every registry in the side's village."""
    mark, ids, now = MARK[side.name], side.ids, utcnow()
    square = rectangle(side.lon, side.lat, 60, 40)
    for site_id, monitors in ((f"site-{mark}", []), (f"pm-{mark}", [{"mn": f"MN-{mark}"}])):
        record = SiteRecord(
            id=site_id,
            name=f"site {mark}",
            contact_phone="13900000000",
            polygon=shapely.geometry.mapping(square),
            monitors=monitors,
        )
        upsert_site(session, record, Writer(tree=tree))
    ids.update(site_id=f"site-{mark}", mn=f"MN-{mark}", camera_id=f"cam-{mark}", name=f"src-{mark}")
    ids["code"] = side.village
    session.add(CameraRow(id=f"cam-{mark}", config=camera_body(side, f"cam-{mark}"), owner_path=side.path))
    hs = HeatSourceRow(
        registry_name="matrix",
        external_id=mark,
        name=f"hs {mark}",
        kind="industrial",
        lon=side.lon,
        lat=side.lat,
        radius_m=30.0,
        geom_wkb=shapely.to_wkb(square),
        owner_path=side.path,
    )
    robot = NotifyRobot(
        name=f"robot {mark}",
        kind="wecom",
        cell_code=side.village,
        url="http://127.0.0.1:9/r",
        owner_path=side.path,
    )
    source = SourceRow(
        name=f"src-{mark}",
        kind="firms_file",
        config={"name": f"src-{mark}", "kind": "firms_file"},
        owner_path=side.path,
    )
    proposal = HeatSourceProposal(
        task_id=ids["task_id"], incident_id=ids["incident_id"], lon=side.lon, lat=side.lat,
        proposed_by=f"insp-{side.village}", reason=mark, owner_path=side.path,
    )  # fmt: skip
    candidate = HeatMaskCandidate(
        key=mark, geom_wkb=shapely.to_wkb(square), lon=side.lon, lat=side.lat, detections=9, days=9,
        night_overpasses=3, outside_harvest_days=5, proposals=0, score=0.9, reasons=[mark],
        first_seen=now, last_seen=now, owner_path=side.path,
    )  # fmt: skip
    ingest_job = IngestJob(
        filename=f"{mark}.csv", path=f"/nowhere/{mark}.csv", sha256="0" * 64, size_bytes=1, status="done",
        owner_path=side.path,
    )  # fmt: skip
    scene_job = SceneJob(source=f"/nowhere/{mark}", status="done", owner_path=side.path)
    session.add_all([hs, robot, source, proposal, candidate, ingest_job, scene_job])
    session.flush()
    evidence = _evidence_files(rt, mark)
    event = CameraEvent(
        camera_id=f"cam-{mark}", preset="n", class_name="smoke", score=0.9, box=[1, 2, 3, 4], image_width=64,
        image_height=48, azimuth_deg=0, elevation_deg=0, lon=side.lon, lat=side.lat, uncertainty_m=50,
        locate_method="flat", confirmed_at=now, model=mark, model_version="1", frame_path=str(evidence),
        crop_path=str(evidence), owner_path=side.path,
    )  # fmt: skip
    photo = TaskEvidence(
        task_id=ids["task_id"], username=f"insp-{side.village}", sha256="0" * 64, path=str(evidence),
        watermarked_path=str(evidence),
    )  # fmt: skip
    session.add_all([event, photo])
    session.flush()
    ids.update(
        source_id=hs.id,
        robot_id=robot.id,
        proposal_id=proposal.id,
        candidate_id=candidate.id,
        event_id=event.id,
        evidence_id=photo.id,
    )
    ids["job_id@ingest_jobs"], ids["job_id@scene_jobs"] = ingest_job.id, scene_job.id


def _evidence_files(rt: Runtime, mark: str) -> Path:
    path = rt.settings.home / "matrix" / f"{mark}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg())
    return path


def camera_body(side: Side, camera_id: str) -> dict[str, Any]:
    """A camera standing in the side's village."""
    return {
        "id": camera_id,
        "lon": side.lon,
        "lat": side.lat,
        "stream": {"kind": "snapshot", "url": "http://127.0.0.1:9/snapshot.jpg?token=zz-secret"},
        "presets": [{"name": "n", "pan_deg": 0, "tilt_deg": -2, "hfov_deg": 45}],
    }


def build(rt: Runtime) -> dict[str, Side]:
    """Both sides with every object; the chief of the own village is added to the demo users."""
    with rt.sessions() as session:
        tree = active_tree(session)
    assert tree is not None
    sides = {}
    for name, county in (("own", OWN_COUNTY), ("other", OTHER_COUNTY)):
        village = _village(tree, county)
        lon, lat = _point(tree, village)
        sides[name] = Side(name, village, tree.path(village), lon, lat)
    with transaction(rt.sessions) as session:
        add_user(session, f"chief-{sides['own'].village}", DEMO_PASSWORD, Role.CHIEF, [sides["own"].village])
    for side in sides.values():
        _tasks(rt, side)
        with transaction(rt.sessions) as session:
            _registries(session, rt, tree, side)
    return sides


OWNED = (
    CameraRow,
    CameraEvent,
    SiteRow,
    HeatSourceRow,
    HeatMaskCandidate,
    HeatSourceProposal,
    NotifyRobot,
    SourceRow,
    IngestJob,
    SceneJob,
)


def fingerprint(rt: Runtime, path: str) -> str:
    """A hash of every row owned in (or routed to) the subtree at ``path``."""
    below = path + "/"
    digest = hashlib.sha256()
    with rt.sessions() as session:
        for table in OWNED:
            column = table.owner_path
            rows = session.scalars(select(table).where(or_(column == path, column.startswith(below))))
            for row in sorted(rows, key=lambda r: str(r.__mapper__.primary_key_from_instance(r))):
                digest.update(repr(sorted(_values(row).items())).encode())
        for table in (TaskRow, IncidentRow):
            column = table.cell_path
            for row in session.scalars(select(table).where(or_(column == path, column.startswith(below)))):
                digest.update(repr(sorted(_values(row).items())).encode())
        events = session.scalars(
            select(TaskEvent)
            .join(TaskRow, TaskRow.id == TaskEvent.task_id)
            .where(TaskRow.cell_path.startswith(below))
        )
        digest.update(repr([(e.id, e.action) for e in events]).encode())
    return digest.hexdigest()


def _values(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs if c.key not in ("updated_at",)}
