"""FastAPI dependencies as named types: state, session, principal, permission checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Literal

import anyio
from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth import credentials
from firegrid.auth.roles import Permission, Principal
from firegrid.errors import AuthError, PermissionDeniedError
from firegrid.services.ownership import Writer
from firegrid.services.users import principal_for_api_key, principal_for_user
from firegrid.store.tables import User
from firegrid.worker.app import TaskQueue
from firegrid.worker.context import Runtime

PRINCIPAL_TTL_S = 30.0  # a disabled user or changed cells take effect within this


@dataclass
class AppState:
    """What the app holds for its lifetime."""

    runtime: Runtime
    queue: TaskQueue
    jwt_keys: list[str] = field(default_factory=list)  # current signing key first, then rotated-out ones
    principals: dict[str, tuple[float, Principal, float]] = field(default_factory=dict)
    heavy: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(2))  # uploads at once

    def cached_principal(self, token: str) -> Principal | None:
        """A principal resolved for this token (its signature checked) in the last
        ``PRINCIPAL_TTL_S`` seconds, while the token has not expired."""
        hit = self.principals.get(token)
        if hit is None or time.monotonic() - hit[0] >= PRINCIPAL_TTL_S or time.time() >= hit[2]:
            return None
        return hit[1]

    def remember(self, token: str, principal: Principal, expires: float) -> None:
        """Keep a resolved principal until ``expires`` (epoch seconds) at the latest (bounded)."""
        if len(self.principals) > 4096:
            self.principals.clear()
        self.principals[token] = (time.monotonic(), principal, expires)


async def get_state(request: Request) -> AppState:
    """The app state built in the lifespan (async: no thread hop for an attribute read)."""
    state: AppState = request.app.state.firegrid
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """A session; routes that change data commit explicitly."""
    with state.runtime.sessions() as session:
        try:
            yield session
        except Exception:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_principal(
    state: StateDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The caller, from a bearer token or an API key."""
    if api_key:
        return principal_for_api_key(session, api_key)
    if not token:
        raise AuthError("not authenticated")
    cached = state.cached_principal(token)  # the same token, checked within the TTL: no re-verify
    if cached is not None:
        return cached
    claims = credentials.decode_token(
        token, state.jwt_keys or state.runtime.settings.jwt_keys()
    )  # and expiry
    user = session.scalars(select(User).where(User.username == claims.get("sub"))).first()
    if user is None or not user.is_active:
        raise AuthError("unknown or disabled user")
    principal = principal_for_user(session, user)
    state.remember(token, principal, float(claims.get("exp", 0)))
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that refuses callers without ``permission`` (403)."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise PermissionDeniedError(f"a {principal.role} may not {permission.value.replace('_', ' ')}")
        return principal

    return check


IngestorDep = Annotated[Principal, Depends(require(Permission.INGEST))]
HeatManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_HEAT_SOURCES))]
GridManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_GRID))]
UserManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
SiteManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_SITES))]
NotifyManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_NOTIFY))]
ReviewerDep = Annotated[Principal, Depends(require(Permission.REVIEW_TASKS))]


def request_lang(
    request: Request,
    lang: Annotated[
        Literal["zh-CN", "en"] | None,
        Query(description="language of the labels (default: Accept-Language, else zh-CN)"),
    ] = None,
) -> str:
    """``zh`` or ``en`` for what a person reads in this answer."""
    return i18n.lang_of(lang or request.headers.get("accept-language"))


LangDep = Annotated[str, Depends(request_lang)]


def writer_for(state: AppState, session: Session, principal: Principal) -> Writer:
    """The principal as a registry writer, with the cached active grid."""
    grid = state.runtime.grids.get(session)
    return Writer.of(principal, grid.tree if grid is not None else None)
