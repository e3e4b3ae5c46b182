"""Authorisation as data: every route declares what it reads and writes and at which grid node.

A route is decorated with ``**access(At.SUBTREE, Permission.MANAGE_SITES, writes=("sites",))``: the
declaration is enforced (a dependency refuses roles without the permission, 403) and kept on the
route (``openapi_extra["x-firegrid-access"]``, also shown in ``/openapi.json``), where
``tests/security/test_route_matrix.py`` reads it back from the app's route table to walk every route
× every role × own/other subtree. A route without a declaration fails that test.

Where the node is checked: ``At.SUBTREE`` routes hand the principal to the service, which reads only
rows owned in the caller's subtree (404 otherwise) and refuses writes outside it (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends
from fastapi.routing import APIRoute

from firegrid.api.deps import require
from firegrid.auth.roles import Permission

KEY = "x-firegrid-access"


class At(StrEnum):
    """The grid node a route works at."""

    PUBLIC = "public"  # no login: health, metrics, logging in, the push key
    CALLER = "caller"  # the caller's own records: account, push subscriptions, assigned tasks
    SUBTREE = "subtree"  # rows owned in the caller's subtree; others answer 404, writes outside 403
    DEPLOYMENT = "deployment"  # the deployment as a whole: grid versions, users, grid import


@dataclass(frozen=True)
class Access:
    """What a route reads and writes, where, and the permission it needs (None: public)."""

    at: At
    needs: Permission | None
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The declaration as kept on the route and shown in the OpenAPI document."""
        return {
            "at": self.at.value,
            "needs": self.needs.value if self.needs else None,
            "reads": list(self.reads),
            "writes": list(self.writes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Access:
        """The declaration read back from a route."""
        needs = data.get("needs")
        return cls(
            At(data["at"]),
            Permission(needs) if needs else None,
            tuple(data.get("reads", ())),
            tuple(data.get("writes", ())),
        )


def access(
    at: At,
    needs: Permission | None = Permission.READ,
    *,
    reads: tuple[str, ...] = (),
    writes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the declaration and its permission check."""
    if (at is At.PUBLIC) != (needs is None):
        raise ValueError("public routes need no permission; every other route needs one")
    declaration = Access(at, needs, reads, writes)
    dependencies = [] if needs is None else [Depends(require(needs))]
    return {"dependencies": dependencies, "openapi_extra": {KEY: declaration.as_json()}}


def declared(route: APIRoute) -> Access | None:
    """A route's declaration, or None when it has none."""
    data = (route.openapi_extra or {}).get(KEY)
    return Access.from_json(data) if isinstance(data, dict) else None
