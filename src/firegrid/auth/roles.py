"""Roles, what each may do, and the grid subtree a principal sees."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from firegrid.grid.cells import PATH_SEPARATOR


class Role(StrEnum):
    """The people in the grid supervision loop (网格化监管)."""

    INSPECTOR = "inspector"  # 网格员: checks points on site
    CHIEF = "chief"  # 网格长: runs a village/township grid
    TOWNSHIP_REVIEWER = "township_reviewer"  # 乡镇审核: watches and chases the township
    COUNTY_OPERATOR = "county_operator"  # 县级操作员: ingests sources, manages registries
    ADMIN = "admin"


class Permission(StrEnum):
    """Actions checked by the API."""

    READ = "read"
    ACT_ON_TASKS = "act_on_tasks"
    INGEST = "ingest"
    MANAGE_HEAT_SOURCES = "manage_heat_sources"
    SEE_UNROUTED = "see_unrouted"
    MANAGE_GRID = "manage_grid"
    MANAGE_USERS = "manage_users"
    MANAGE_SITES = "manage_sites"
    REVIEW_TASKS = "review_tasks"  # close, reassign, merge (township and up)
    MANAGE_NOTIFY = "manage_notify"  # group robots of the cells


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.INSPECTOR: frozenset({Permission.READ, Permission.ACT_ON_TASKS}),
    Role.CHIEF: frozenset({Permission.READ, Permission.ACT_ON_TASKS}),
    Role.TOWNSHIP_REVIEWER: frozenset({Permission.READ, Permission.REVIEW_TASKS}),
    Role.COUNTY_OPERATOR: frozenset(
        {
            Permission.READ,
            Permission.INGEST,
            Permission.MANAGE_HEAT_SOURCES,
            Permission.SEE_UNROUTED,
            Permission.MANAGE_SITES,
            Permission.REVIEW_TASKS,
            Permission.MANAGE_NOTIFY,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or an API key, with the grid paths they may see.

    ``paths`` is None for an unrestricted principal (admin); otherwise only rows whose
    cell path equals one of them or lies below one of them are visible.
    """

    name: str
    role: Role
    user_id: int | None = None
    paths: tuple[str, ...] | None = ()

    def can(self, permission: Permission) -> bool:
        """True when the role grants ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]

    def sees(self, cell_path: str | None) -> bool:
        """True when a row routed to ``cell_path`` is inside this principal's subtree."""
        if self.paths is None:
            return True
        if cell_path is None:
            return False
        return any(cell_path == p or cell_path.startswith(p + PATH_SEPARATOR) for p in self.paths)
