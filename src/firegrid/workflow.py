"""The task state machine: which transitions are allowed, and which verdict reasons exist."""

from __future__ import annotations

from enum import StrEnum

from firegrid.errors import IllegalTransitionError, InputError


class TaskStatus(StrEnum):
    """Where a task stands (发现 → 派单 → 核查 → 反馈)."""

    NEW = "new"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CLOSED = "closed"


class RejectReason(StrEnum):
    """Why an inspector rejects a point (查否)."""

    NO_FIRE_FOUND = "no_fire_found"
    INDUSTRIAL_HEAT_SOURCE = "industrial_heat_source"
    ALREADY_EXTINGUISHED = "already_extinguished"
    OUTSIDE_MY_AREA = "outside_my_area"
    DUPLICATE = "duplicate"
    OTHER = "other"


TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.NEW: frozenset({TaskStatus.DISPATCHED, TaskStatus.ACKNOWLEDGED}),
    TaskStatus.DISPATCHED: frozenset({TaskStatus.ACKNOWLEDGED}),
    TaskStatus.ACKNOWLEDGED: frozenset({TaskStatus.CONFIRMED, TaskStatus.REJECTED}),
    TaskStatus.CONFIRMED: frozenset({TaskStatus.CLOSED}),
    TaskStatus.REJECTED: frozenset({TaskStatus.CLOSED}),
    TaskStatus.CLOSED: frozenset(),
}


def check_transition(current: str, target: TaskStatus) -> None:
    """Raise ``IllegalTransitionError`` unless ``current -> target`` is allowed."""
    if target not in TRANSITIONS[TaskStatus(current)]:
        raise IllegalTransitionError(f"a task that is {current} cannot become {target}")


def check_rejection(reason_code: str | None, reason_text: str | None) -> RejectReason:
    """A rejection needs a known reason; "other" needs text too."""
    if reason_code is None:
        raise InputError("a rejection needs a reason_code")
    try:
        reason = RejectReason(reason_code)
    except ValueError:
        known = ", ".join(r.value for r in RejectReason)
        raise InputError(f"unknown reason_code {reason_code!r}; expected one of {known}") from None
    if reason is RejectReason.OTHER and not (reason_text or "").strip():
        raise InputError("reason_code 'other' needs reason_text")
    return reason
