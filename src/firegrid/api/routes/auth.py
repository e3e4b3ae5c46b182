"""Log in (OAuth2 password flow, JWT) and who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from firegrid.api.access import At, access
from firegrid.api.deps import PrincipalDep, SessionDep, StateDep
from firegrid.api.schemas import Me, Token
from firegrid.auth import credentials
from firegrid.errors import AuthError
from firegrid.services import login_limits
from firegrid.services.queries import display_names
from firegrid.services.users import authenticate, user_cells

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", **access(At.PUBLIC, None, reads=("users",)))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    state: StateDep,
    request: Request,
) -> Token:
    """Exchange a username and password for a bearer token (429 after repeated failures)."""
    s = state.runtime.settings
    address = request.client.host if request.client else "unknown"
    limits = (form.username, address, s.login_max_failures, s.login_window_min)
    login_limits.check(session, *limits, datetime.now(UTC))
    try:
        user = authenticate(session, form.username, form.password)
    except AuthError:
        login_limits.record_failure(session, *limits, datetime.now(UTC))
        session.commit()
        raise
    ttl = timedelta(minutes=state.runtime.settings.token_ttl_min)
    token = credentials.create_token(user.username, state.runtime.settings.jwt_key(), ttl, role=user.role)
    return Token(access_token=token, expires_in=int(ttl.total_seconds()))


@router.get("/me", **access(At.CALLER, reads=("users",)))
def me(principal: PrincipalDep, session: SessionDep) -> Me:
    """The caller's name, role and cells."""
    cells = user_cells(session, principal.user_id) if principal.user_id is not None else []
    shown = display_names(session, [principal.name]).get(principal.name, "")
    return Me(name=principal.name, role=principal.role.value, cells=cells, display_name=shown)
