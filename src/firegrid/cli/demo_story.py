"""The demo's story: the sample tasks as a working day left them, so every page has something to show.

Each sample task is dated as if it had been pushed 15 minutes after its fire was first seen (deadlines
follow, so last week's open task is overdue). Then, through the same services the API uses:

* today's newest fire: left new, for the inspector the demo prints (the README tour);
* today: one acknowledged, one confirmed with a photo and handled (the township closes it), one rejected
  as an industrial heat source (a proposal for the county operator; the township closes it);
* this week: one confirmed, handled and closed; one rejected (no fire found) and closed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.config import Settings
from firegrid.grid.cells import GridTree
from firegrid.services import task_actions
from firegrid.services.evidence import DeviceFix, add_photo
from firegrid.services.tasks import set_deadlines
from firegrid.services.users import principal_for_user
from firegrid.store.tables import IncidentRow, TaskAssignee, TaskEvent, TaskRow, User

PUSHED_AFTER = timedelta(minutes=15)
STEP = timedelta(minutes=20)


@dataclass(frozen=True)
class Cast:
    """Who the demo prints: an inspector with a new task, a reviewer and an operator with work."""

    inspector: str | None = None
    reviewer: str | None = None
    operator: str | None = None


def _photo(lon: float, lat: float, at: datetime, zone_offset: str) -> bytes:
    """A phone-like JPEG: EXIF capture time (local, with its offset) and GPS position."""
    image = Image.new("RGB", (640, 480), (150, 110, 70))
    exif = Image.Exif()
    exif[0x8769] = {0x9003: f"{at:%Y:%m:%d %H:%M:%S}", 0x9011: zone_offset}

    def dms(value: float) -> tuple[float, float, float]:
        d, rest = int(value), (value - int(value)) * 60
        return (d, int(rest), round((rest - int(rest)) * 60, 4))

    exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _backdate(
    session: Session, task: TaskRow, incident: IncidentRow, settings: Settings, now: datetime
) -> None:
    start = min(incident.first_seen + PUSHED_AFTER, now)
    task.created_at = task.updated_at = start
    set_deadlines(task, task.source_kind, incident.hazard, settings.pipeline, start)
    for event in session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)):
        event.at = start


def _inspector(session: Session, task: TaskRow) -> Principal:
    user = session.scalars(
        select(User)
        .join(TaskAssignee, TaskAssignee.user_id == User.id)
        .where(TaskAssignee.task_id == task.id)
        .order_by(User.username)
    ).first()
    assert user is not None, f"task {task.id} has no inspector"
    return principal_for_user(session, user)


def _user(session: Session, username: str) -> Principal:
    return principal_for_user(session, session.scalars(select(User).where(User.username == username)).one())


class Walk:
    """Steps of one task, each ``STEP`` after the previous, by its inspector."""

    def __init__(
        self, session: Session, settings: Settings, tree: GridTree, task: TaskRow, incident: IncidentRow
    ) -> None:
        self.session, self.settings, self.task, self.incident = session, settings, task, incident
        self.tree = tree
        self.at = task.created_at
        self.who = _inspector(session, task)

    def next(self) -> datetime:
        self.at += STEP
        return self.at

    def on_site(self) -> Walk:
        task_actions.acknowledge(self.session, self.who, self.task.id, now=self.next())
        task_actions.arrive(self.session, self.who, self.task.id, now=self.next())
        return self

    def photo(self) -> Walk:
        zone = self.settings.pipeline.zone
        at = self.next()
        local = at.astimezone(zone)
        offset = local.strftime("%z")
        data = _photo(self.incident.lon, self.incident.lat, local, f"{offset[:3]}:{offset[3:]}")
        fix = DeviceFix(self.incident.lon, self.incident.lat, 8.0, at)
        checks, folder = self.settings.tasks, self.settings.evidence_dir
        add_photo(self.session, self.who, self.task.id, data, fix, checks, folder, zone, now=at)
        return self

    def verdict(self, confirmed: bool, reason: str | None = None, text: str | None = None) -> Walk:
        verdict = task_actions.VerdictIn(confirmed, reason, text)
        where, pipeline = task_actions.Where(), self.settings.pipeline
        task_actions.give_verdict(
            self.session, self.who, self.task.id, verdict, where, self.tree, pipeline, now=self.next()
        )
        return self

    def handled(self, note: str) -> Walk:
        task_actions.handle(self.session, self.who, self.task.id, note, now=self.next())
        return self

    def closed(self) -> Walk:
        reviewer = _user(self.session, f"rev-{self.task.cell_code[:9]}")
        task_actions.close(self.session, reviewer, self.task.id, now=self.next())
        return self


def tell(
    session: Session, settings: Settings, tree: GridTree, now: datetime, since: datetime, today_from: datetime
) -> Cast:
    """Date and walk the sample tasks whose fires were first seen after ``since``; today's fires are
    those after ``today_from`` (the current bulletin window)."""
    rows = session.execute(
        select(TaskRow, IncidentRow)
        .join(IncidentRow, IncidentRow.id == TaskRow.incident_id)
        .where(IncidentRow.first_seen >= since, IncidentRow.hazard == "fire")
        .order_by(IncidentRow.first_seen.desc())
    ).all()
    today = [(t, i) for t, i in rows if i.first_seen >= today_from]
    for task, incident in rows[1:] if today else rows:  # the newest task stays just pushed (the tour's)
        _backdate(session, task, incident, settings, now)
    session.flush()
    week = [(t, i) for t, i in rows if now - timedelta(days=7) <= i.first_seen < today_from]
    if len(today) < 5 or len(week) < 2:
        return Cast()
    Walk(session, settings, tree, *today[1]).on_site()
    done = (
        Walk(session, settings, tree, *today[3]).on_site().photo().verdict(True).handled("已扑灭, 秸秆已清运")
    )
    heat = Walk(session, settings, tree, *today[4]).on_site().photo()
    heat.verdict(False, "industrial_heat_source", "焦化厂熄焦塔")
    Walk(session, settings, tree, *week[0]).on_site().photo().verdict(True).handled("已扑灭").closed()
    Walk(session, settings, tree, *week[1]).on_site().photo().verdict(
        False, "no_fire_found", "现场无火点"
    ).closed()
    return Cast(
        inspector=_inspector(session, today[0][0]).name,
        reviewer=f"rev-{done.task.cell_code[:9]}",
        operator=f"op-{heat.task.cell_code[:6]}",
    )
