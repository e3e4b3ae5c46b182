"""The task state machine (发现 → 派单 → 核查 → 处置 → 反馈): states, transitions, verdict reasons.

::

    new ──dispatch──▶ dispatched ──acknowledge──▶ acknowledged ──on_site──▶ on_site
     └──────────acknowledge──────────▲                                        │
                                                               verdict: confirmed | rejected
    confirmed ──handle──▶ handled ──close──▶ closed          rejected ──close──▶ closed

* a rejection as ``outside_my_area`` or ``duplicate`` may be given before going on site
  (it is administrative: the task is re-routed or merged);
* ``reassign`` puts any open task back to ``new`` for other assignees;
* ``merge`` closes a duplicate into another task.

Everything here is pure: ``services.tasks`` applies it and writes the audit trail.
"""

from __future__ import annotations

from enum import StrEnum

from firegrid.errors import ConflictError, IllegalTransitionError, InputError


class TaskStatus(StrEnum):
    """Where a task stands."""

    NEW = "new"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    ON_SITE = "on_site"
    CONFIRMED = "confirmed"  # 查实
    REJECTED = "rejected"  # 查否
    HANDLED = "handled"  # 处置完毕
    CLOSED = "closed"  # 销号


class RejectReason(StrEnum):
    """Why an inspector rejects a point (查否)."""

    NO_FIRE_FOUND = "no_fire_found"
    INDUSTRIAL_HEAT_SOURCE = "industrial_heat_source"
    ALREADY_EXTINGUISHED = "already_extinguished"
    OUTSIDE_MY_AREA = "outside_my_area"
    DUPLICATE = "duplicate"
    OTHER = "other"


class TaskAction(StrEnum):
    """What a task's history records (``task_events.action``)."""

    CREATE = "create"
    DISPATCH = "dispatch"
    ACKNOWLEDGE = "acknowledge"
    ON_SITE = "on_site"
    VERDICT = "verdict"
    HANDLE = "handle"
    CLOSE = "close"
    REASSIGN = "reassign"
    NOT_MY_AREA = "not_my_area"
    ESCALATE = "escalate"
    UPDATE = "update"
    MERGE = "merge"
    MERGED_IN = "merged_in"
    UNMERGE = "unmerge"
    SPLIT = "split"
    UNSPLIT = "unsplit"


OPEN = frozenset(
    {TaskStatus.NEW, TaskStatus.DISPATCHED, TaskStatus.ACKNOWLEDGED, TaskStatus.ON_SITE}
)  # waiting for a verdict
ADMINISTRATIVE = frozenset({RejectReason.OUTSIDE_MY_AREA, RejectReason.DUPLICATE})

TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.NEW: frozenset({TaskStatus.DISPATCHED, TaskStatus.ACKNOWLEDGED}),
    TaskStatus.DISPATCHED: frozenset({TaskStatus.ACKNOWLEDGED}),
    TaskStatus.ACKNOWLEDGED: frozenset({TaskStatus.ON_SITE}),
    TaskStatus.ON_SITE: frozenset({TaskStatus.CONFIRMED, TaskStatus.REJECTED}),
    TaskStatus.CONFIRMED: frozenset({TaskStatus.HANDLED}),
    TaskStatus.HANDLED: frozenset({TaskStatus.CLOSED}),
    TaskStatus.REJECTED: frozenset({TaskStatus.CLOSED}),
    TaskStatus.CLOSED: frozenset(),
}


NEXT_STEP_EN = {  # what a task in this status needs next (the catalogue's ``next.*`` says it to people)
    TaskStatus.NEW: "acknowledge it (POST /tasks/{id}/acknowledge)",
    TaskStatus.DISPATCHED: "acknowledge it (POST /tasks/{id}/acknowledge)",
    TaskStatus.ACKNOWLEDGED: "go on site (POST /tasks/{id}/on-site), add a photo (POST /tasks/{id}/evidence)",
    TaskStatus.ON_SITE: "add a photo, then POST /tasks/{id}/verdict",
    TaskStatus.CONFIRMED: "report it handled (POST /tasks/{id}/handled); the township then closes it",
    TaskStatus.REJECTED: "the township closes it (POST /tasks/{id}/close)",
    TaskStatus.HANDLED: "the township closes it (POST /tasks/{id}/close)",
    TaskStatus.CLOSED: "nothing: the task is closed",
}


def refuse(current: str, what: str) -> IllegalTransitionError:
    """The error of a step a task in ``current`` cannot take, saying which step is next."""
    status = TaskStatus(current)
    return IllegalTransitionError(
        f"a task that is {current} cannot {what}; next: {NEXT_STEP_EN[status]}",
        code="illegal_transition",
        message_key=f"next.{status.value}",
    )


def changed_meanwhile(task_id: int, current: str) -> ConflictError:
    """The error of a request that lost a race for a task (the catalogue's ``now.*`` names the
    state the task is in now)."""
    return ConflictError(
        f"task {task_id} was changed meanwhile; it is now {current}",
        code="changed_meanwhile",
        message_key=f"now.{TaskStatus(current).value}",
    )


def check_transition(current: str, target: TaskStatus) -> None:
    """Raise ``IllegalTransitionError`` (naming the next step) unless ``current -> target`` is allowed."""
    if target not in TRANSITIONS[TaskStatus(current)]:
        raise refuse(current, f"become {target}")


def check_rejection(current: str, reason_code: str | None, reason_text: str | None) -> RejectReason:
    """A rejection needs a known reason ("other" also needs text); administrative reasons may be
    given from any open state, the others only on site."""
    if reason_code is None:
        raise InputError("a rejection needs a reason_code", code="reason_required")
    try:
        reason = RejectReason(reason_code)
    except ValueError:
        known = ", ".join(r.value for r in RejectReason)
        raise InputError(
            f"unknown reason_code {reason_code!r}; expected one of {known}", code="reason_required"
        ) from None
    if reason is RejectReason.OTHER and not (reason_text or "").strip():
        raise InputError("reason_code 'other' needs reason_text", code="reason_text_required")
    status = TaskStatus(current)
    if reason in ADMINISTRATIVE and status in OPEN:
        return reason
    check_transition(current, TaskStatus.REJECTED)
    return reason


def check_reopen(current: str) -> None:
    """Reassigning and merging apply to tasks that have no verdict yet."""
    if TaskStatus(current) not in OPEN:
        raise refuse(current, "be reassigned or merged")
