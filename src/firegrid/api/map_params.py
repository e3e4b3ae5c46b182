"""Query parameters shared by the map layers, exports and bulletins: the time window, the hazard,
the view's box; and the active grid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, Query

from firegrid.api.deps import SessionDep, StateDep
from firegrid.errors import InputError, NotFoundError
from firegrid.services import stats
from firegrid.services.grid import ActiveGrid

Since = Annotated[datetime | None, Query(description="first detection at or after (ISO 8601)")]
Until = Annotated[datetime | None, Query(description="first detection before")]
HazardQ = Annotated[Literal["fire", "dust", "site_compliance"] | None, Query()]


def active_grid(state: StateDep, session: SessionDep) -> ActiveGrid:
    """The active grid, or 404 when none was imported."""
    grid = state.runtime.grids.get(session)
    if grid is None:
        raise NotFoundError("no grid has been imported", code="no_grid")
    return grid


def window(
    since: datetime | None,
    until: datetime | None,
    hazard: str | None,
    bbox: tuple[float, float, float, float] | None = None,
) -> stats.Window:
    """A window; naive times are taken as UTC."""

    def aware(value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

    return stats.Window(aware(since), aware(until), hazard, bbox)


async def window_params(since: Since = None, until: Until = None, hazard: HazardQ = None) -> stats.Window:
    """The ``since``, ``until``, ``hazard`` of a query as a window (async: no thread hop)."""
    return window(since, until, hazard)


WindowDep = Annotated[stats.Window, Depends(window_params)]


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``min_lon,min_lat,max_lon,max_lat`` as four floats, or ``InputError`` naming the problem."""
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError(f"bbox must be min_lon,min_lat,max_lon,max_lat: {text!r} ({exc})") from None
    if x0 > x1 or y0 > y1:
        raise InputError(f"bbox min must not exceed max: {text!r}")
    return x0, y0, x1, y1
