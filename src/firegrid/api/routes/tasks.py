"""Tasks: mine (overdue first), by cell, one with its audit trail and evidence; every action."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.bodies import body_limit
from firegrid.api.cache import cached_json, etag_of
from firegrid.api.deps import PrincipalDep, SessionDep, StateDep
from firegrid.api.routes.incidents import FiltersDep
from firegrid.api.schemas import (
    EvidenceOut,
    IncidentOut,
    Merge,
    Note,
    Position,
    Reassign,
    TaskCard,
    TaskDetail,
    TaskEventOut,
    TaskOut,
    TimelineItem,
    Verdict,
    binary,
)
from firegrid.api.uploads import form_file, form_float, form_route, offload, read_form, read_limited
from firegrid.auth.roles import Permission
from firegrid.errors import InputError, NotFoundError
from firegrid.i18n import label
from firegrid.navigation import nav_links
from firegrid.services import queries, task_actions
from firegrid.services.escalation import stage
from firegrid.services.evidence import DeviceFix, add_photo
from firegrid.services.grid import ActiveGrid, GridCache
from firegrid.services.tasks import visible_task
from firegrid.store.tables import IncidentRow, TaskEvidence, TaskRow, utcnow
from firegrid.worker.context import Runtime

router = APIRouter(prefix="/tasks", tags=["tasks"])
# Declared on the routes (the authorisation matrix reads them); the services check the same again.
ACT = access(At.SUBTREE, Permission.ACT_ON_TASKS, reads=("tasks",), writes=("tasks",))
REVIEW = access(At.SUBTREE, Permission.REVIEW_TASKS, reads=("tasks",), writes=("tasks",))


def _place(runtime: Runtime, session: SessionDep, code: str | None, grid: ActiveGrid | None = None) -> str:
    grid = grid or runtime.grids.get(session)
    if grid is None or code is None or code not in grid.tree:
        return ""
    return " / ".join(c.name for c in grid.tree.ancestors(code)[1:])


def _evidence(e: TaskEvidence) -> EvidenceOut:
    return EvidenceOut.model_validate(e).model_copy(update={"url": f"/tasks/{e.task_id}/evidence/{e.id}.jpg"})


def _detail(session: SessionDep, runtime: Runtime, task: TaskRow) -> TaskDetail:
    incident = session.get_one(IncidentRow, task.incident_id)  # same cell as the visible task
    evidence = session.scalars(
        select(TaskEvidence).where(TaskEvidence.task_id == task.id).order_by(TaskEvidence.id)
    )
    assignees = queries.task_assignees(session, task.id)
    events = queries.task_events(session, task.id)
    photos = [_evidence(e) for e in evidence]
    timeline = [TimelineItem.model_validate(d) for d in queries.incident_detections(session, incident.id)]
    fixes = (d.platform for d in timeline if d.source_kind == "manual")  # inspectors' positions
    people = [*assignees, *(e.actor for e in events), *(p.username for p in photos), *fixes]
    return TaskDetail(
        **TaskOut.model_validate(task).model_dump(),
        incident=IncidentOut.model_validate(incident),
        assignees=assignees,
        events=[TaskEventOut.model_validate(e) for e in events],
        evidence=photos,
        names=queries.display_names(session, people),
        timeline=timeline,
        place=_place(runtime, session, task.cell_code),
        navigation=nav_links(
            incident.lat, incident.lon, f"{label('hazard_title', incident.hazard)} #{incident.id}"
        ),
    )


@router.get("/mine", response_model=list[TaskCard], **access(At.CALLER, reads=("tasks",)))
def my_tasks(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    status: str | None = None,
    done: bool = False,
) -> Response:
    """Tasks assigned to the caller: open ones, overdue first, then by the next deadline. With an
    ETag per user and data version (the app polling it gets 304 until a task of theirs changes)."""
    user_id = principal.user_id
    if user_id is None:
        raise InputError("API keys have no assigned tasks; use GET /tasks")
    version = queries.cards_version(session, user_id)  # one statement, the active grid included
    minute = utcnow().strftime("%Y%m%d%H%M")  # "overdue" changes with the clock
    etag = etag_of("mine", principal, f"{user_id}|{status}|{done}", f"{version}|{minute}")
    return cached_json(
        request,
        etag,
        lambda: [c.model_dump(mode="json") for c in _cards(session, state, user_id, status, done)],
    )


def _cards(
    session: SessionDep,
    state: StateDep,
    user_id: int,
    status: str | None,
    done: bool,
) -> list[TaskCard]:
    now = utcnow()
    grid = state.runtime.grids.get(session)  # once per request
    cards = []
    for task, incident in queries.cards_of_user(session, user_id, status, include_done=done):
        owed = stage(task)
        deadline = owed[1] if owed else None
        cards.append(
            TaskCard(
                **TaskOut.model_validate(task).model_dump(),
                hazard=incident.hazard,
                lon=incident.lon,
                lat=incident.lat,
                place=_place(state.runtime, session, task.cell_code, grid),
                next_deadline=deadline,
                next_step=owed[0] if owed else None,
                overdue=deadline is not None and deadline < now,
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    cards.sort(key=lambda c: (not c.overdue, c.next_deadline or far, c.id))
    return cards


@router.get("", **access(At.SUBTREE, reads=("tasks",)))
def list_tasks(
    principal: PrincipalDep, session: SessionDep, f: FiltersDep, overdue: bool = False
) -> list[TaskOut]:
    """Tasks in the caller's subtree (``cell=`` narrows to a township etc.; ``overdue=true``)."""
    rows = queries.list_tasks(session, principal, f, overdue_at=utcnow() if overdue else None)
    return [TaskOut.model_validate(t) for t in rows]


@router.get("/{task_id}", **access(At.SUBTREE, reads=("tasks", "incidents")))
def get_task(task_id: int, principal: PrincipalDep, session: SessionDep, state: StateDep) -> TaskDetail:
    """One task with its incident, assignees, audit trail and evidence."""
    return _detail(session, state.runtime, visible_task(session, principal, task_id))


def _where(body: Position | None) -> task_actions.Where:
    return task_actions.Where(body.lon, body.lat) if body else task_actions.Where(None, None)


@router.post("/{task_id}/acknowledge", **ACT)
def acknowledge(
    task_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    body: Position | None = None,
) -> TaskDetail:
    """签收: the inspector has the task and is on the way."""
    task = task_actions.acknowledge(session, principal, task_id, _where(body))
    session.commit()
    return _detail(session, state.runtime, task)


@router.post("/{task_id}/on-site", **ACT)
def on_site(
    task_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    body: Position | None = None,
) -> TaskDetail:
    """到场: the inspector is at the point."""
    task = task_actions.arrive(session, principal, task_id, _where(body))
    session.commit()
    return _detail(session, state.runtime, task)


EVIDENCE_FORM = form_route(
    ACT,
    "photo",
    "JPEG/PNG from the phone camera",
    lon={"type": "number", "minimum": -180, "maximum": 180},
    lat={"type": "number", "minimum": -90, "maximum": 90},
    accuracy_m={"type": "number", "minimum": 0},
    taken_at={"type": "string", "format": "date-time", "description": "the device clock at the photo"},
)


@router.post("/{task_id}/evidence", status_code=201, **EVIDENCE_FORM)
@body_limit("photo")
async def add_evidence(
    task_id: int, request: Request, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> EvidenceOut:
    """A photo with the device's fix; the server checks it against the incident and watermarks it."""
    settings = state.runtime.settings
    await offload(None, visible_task, session, principal, task_id)  # 404 before the body is read
    async with read_form(request) as form:
        data = await read_limited(form_file(form, "photo"), settings.tasks.photo_max_bytes)
        fix = DeviceFix(
            form_float(form, "lon", -180, 180),
            form_float(form, "lat", -90, 90),
            form_float(form, "accuracy_m", 0, 1e7),
            _client_time(form.get("taken_at")),
        )

    def store() -> EvidenceOut:
        evidence = add_photo(
            session,
            principal,
            task_id,
            data,
            fix,
            settings.tasks,
            settings.evidence_dir,
            settings.pipeline.zone,
        )
        session.commit()
        return _evidence(evidence)

    return await offload(state.heavy, store)  # the decode and watermark stay off the event loop


def _client_time(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError("form field taken_at is not an ISO 8601 date-time") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@router.get(
    "/{task_id}/evidence/{evidence_id}.jpg",
    responses=binary("image/jpeg"),
    **access(At.SUBTREE, reads=("tasks",)),
)
def evidence_image(
    task_id: int, evidence_id: int, principal: PrincipalDep, session: SessionDep
) -> FileResponse:
    """The watermarked photo."""
    visible_task(session, principal, task_id)
    row = session.get(TaskEvidence, evidence_id)
    if row is None or row.task_id != task_id:
        raise NotFoundError(f"no evidence {evidence_id} on task {task_id}")
    return FileResponse(row.watermarked_path, media_type="image/jpeg")


@router.post("/{task_id}/verdict", **ACT)
def verdict(
    task_id: int, body: Verdict, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> TaskDetail:
    """查实 (confirmed) or 查否 (rejected with a reason); needs a photo unless administrative."""
    runtime = state.runtime
    grid = _grid(runtime.grids, session)
    task = task_actions.give_verdict(
        session,
        principal,
        task_id,
        task_actions.VerdictIn(
            body.verdict == "confirmed",
            body.reason_code,
            body.reason_text,
            body.reroute_to,
            body.duplicate_of,
        ),
        _where(body),
        grid.tree,
        runtime.settings.pipeline,
        tuple(runtime.channels),
        runtime.settings.tasks.verdict_needs_photo,
        reroute_max_m=runtime.settings.tasks.reroute_max_m,
    )
    session.commit()
    return _detail(session, runtime, task)


@router.post("/{task_id}/handled", **ACT)
def handled(
    task_id: int, body: Note, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> TaskDetail:
    """处置完毕: put out / covered."""
    task = task_actions.handle(session, principal, task_id, body.note, _where(body))
    session.commit()
    return _detail(session, state.runtime, task)


@router.post("/{task_id}/close", **REVIEW)
def close(
    task_id: int, body: Note, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> TaskDetail:
    """销号 by the township (after handled or rejected)."""
    task = task_actions.close(session, principal, task_id, body.note)
    session.commit()
    return _detail(session, state.runtime, task)


@router.post("/{task_id}/reassign", **REVIEW)
def reassign(
    task_id: int, body: Reassign, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> TaskDetail:
    """Send an open task to another cell in the caller's subtree."""
    runtime = state.runtime
    grid = _grid(runtime.grids, session)
    task = task_actions.reassign(
        session,
        principal,
        task_id,
        body.cell_code,
        grid.tree,
        runtime.settings.pipeline,
        tuple(runtime.channels),
        body.note,
    )
    session.commit()
    return _detail(session, runtime, task)


@router.post("/{task_id}/merge", **REVIEW)
def merge(
    task_id: int, body: Merge, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> TaskDetail:
    """Close this task as a duplicate of ``into``."""
    task = task_actions.merge(session, principal, task_id, body.into)
    session.commit()
    return _detail(session, state.runtime, task)


def _grid(grids: GridCache, session: SessionDep) -> ActiveGrid:
    grid = grids.get(session)
    if grid is None:
        raise NotFoundError("no grid has been imported", code="no_grid")
    return grid
