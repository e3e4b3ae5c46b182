"""Registries belong to grid nodes: find an entry's owner, limit reads and writes to the caller's
subtree, and keep the registry audit trail.

* reads: rows whose ``owner_path`` lies in the caller's subtree (others do not exist: 404);
* writes: the entry as it is *and* as it would become must both lie in the caller's subtree, so
  nobody can overwrite, move out or create an entry for another area (403 names the area);
* every change of an entry is a ``RegistryEvent`` (who, when, what).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from firegrid.auth.roles import Principal
from firegrid.errors import FiregridError, NotFoundError, PermissionDeniedError
from firegrid.grid.cells import PATH_SEPARATOR, GridTree
from firegrid.grid.ownership import DEPLOYMENT, owner_path
from firegrid.services.grid import active_version, load_tree
from firegrid.services.queries import scope_clause
from firegrid.store.tables import Owned, RegistryEvent, SourceRow, utcnow

SYSTEM = "firegrid"  # the actor of entries made by the CLI, the demo and the workers


def active_tree(session: Session) -> GridTree | None:
    """The active grid's tree, loaded now (the API passes its cached one instead)."""
    version = active_version(session)
    return load_tree(session, version.id) if version is not None else None


def locate(tree: GridTree | None, geometry: BaseGeometry) -> str:
    """The owner of a geometry: the deepest cell covering it ("" without a grid)."""
    return owner_path(tree, geometry) if tree is not None else DEPLOYMENT


def home_path(principal: Principal) -> str:
    """Where things a caller makes without a location belong (jobs, sources): the caller's first
    cell; the deployment for an unrestricted caller."""
    return DEPLOYMENT if principal.paths is None or not principal.paths else principal.paths[0]


def owned_by(column: InstrumentedAttribute[Any], principal: Principal) -> ColumnElement[bool]:
    """SQL for "owned inside the caller's subtree"."""
    return scope_clause(column, principal)


def visible(principal: Principal, row: Owned | None, what: str) -> Any:
    """The row if the caller's subtree holds it; otherwise ``NotFoundError`` (no existence leak)."""
    if row is None or not principal.sees(row.owner_path):
        raise NotFoundError(f"no {what} in your area")
    return row


def check_inside(principal: Principal, path: str, what: str) -> None:
    """Refuse (403) a write that would put ``what`` outside the caller's subtree."""
    if principal.sees(path):
        return
    areas = ", ".join(p.rsplit("/", 1)[-1] for p in principal.paths or ()) or "-"
    where = path.rsplit("/", 1)[-1] if path else "the whole deployment"
    raise PermissionDeniedError(
        f"{what} is not inside your area ({areas}); it belongs to {where}", code="outside_area"
    )


def record(
    session: Session, actor: str, kind: str, object_id: object, action: str, owner: str, /, **detail: Any
) -> None:
    """Audit one change of a registry entry."""
    session.add(
        RegistryEvent(
            at=utcnow(),
            actor=actor,
            kind=kind,
            object_id=str(object_id),
            action=action,
            owner_path=owner,
            detail=detail,
        )
    )


@dataclass(frozen=True)
class Writer:
    """Who changes a registry: a principal limited to their subtree, or the system (``principal``
    None: the CLI, the demo and the workers, which place entries by location without a limit)."""

    actor: str = SYSTEM
    principal: Principal | None = None
    tree: GridTree | None = None

    @classmethod
    def of(cls, principal: Principal, tree: GridTree | None) -> Writer:
        """A principal's writer."""
        return cls(principal.name, principal, tree)

    @property
    def unrestricted(self) -> bool:
        """The system or an admin: no area limit."""
        return self.principal is None or self.principal.paths is None

    def with_tree(self, session: Session) -> Writer:
        """This writer with the active tree loaded when it has none."""
        return self if self.tree is not None else replace(self, tree=active_tree(session))

    def refusal(self, current: str | None, new: str, what: str) -> FiregridError | None:
        """Why this writer may not change ``what`` (owned by ``current``; None: it is new) so that it
        belongs to ``new``; None when it may."""
        if self.principal is None:
            return None
        if current is not None and not self.principal.sees(current):
            return PermissionDeniedError(
                f"{what} belongs to another area and cannot be overwritten", code="outside_area"
            )
        try:
            check_inside(self.principal, new, what)
        except PermissionDeniedError as exc:
            return exc
        return None

    def admit(self, current: str | None, new: str, what: str) -> None:
        """Raise :meth:`refusal`, if any."""
        refused = self.refusal(current, new, what)
        if refused is not None:
            raise refused


def job_owner(session: Session, submitted_by: str | None) -> str:
    """Where a job belongs when its submitter gave no place: a source's job to the source's owner,
    the CLI's to the deployment."""
    if submitted_by and submitted_by.startswith("source:"):
        owner = session.scalar(select(SourceRow.owner_path).where(SourceRow.name == submitted_by[7:]))
        return owner or DEPLOYMENT
    return DEPLOYMENT


def above(principal: Principal) -> list[str]:
    """The nodes above (and at) the caller's cells, the deployment included."""
    found = {DEPLOYMENT}
    for path in principal.paths or ():
        parts = path.split(PATH_SEPARATOR)
        found.update(PATH_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(found)


def readable_clause(column: InstrumentedAttribute[Any], principal: Principal) -> ColumnElement[bool]:
    """Rows owned in the caller's subtree or above it (shared feeds that cover the caller's area)."""
    return or_(owned_by(column, principal), column.in_(above(principal)))


def readable(principal: Principal, owner: str) -> bool:
    """:func:`readable_clause` for one row."""
    return principal.sees(owner) or owner in above(principal)
