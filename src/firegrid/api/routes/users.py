"""Users (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import SessionDep, UserManagerDep
from firegrid.api.schemas import UserIn, UserOut
from firegrid.auth.roles import Permission, Role
from firegrid.errors import InputError
from firegrid.services.users import add_user, user_cells
from firegrid.store.tables import User

router = APIRouter(prefix="/users", tags=["users"])


def _out(session: SessionDep, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        cells=user_cells(session, user.id),
        is_active=user.is_active,
    )


@router.get("", **access(At.DEPLOYMENT, Permission.MANAGE_USERS, reads=("users",)))
def list_users(_: UserManagerDep, session: SessionDep, limit: int = 1000, offset: int = 0) -> list[UserOut]:
    """Users."""
    rows = session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return [_out(session, u) for u in rows]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    **access(At.DEPLOYMENT, Permission.MANAGE_USERS, writes=("users",)),
)
def create_user(body: UserIn, _: UserManagerDep, session: SessionDep) -> UserOut:
    """Create a user attached to grid cells."""
    try:
        role = Role(body.role)
    except ValueError:
        raise InputError(f"unknown role {body.role!r}; expected one of {[r.value for r in Role]}") from None
    user = add_user(
        session,
        body.username,
        body.password,
        role,
        body.cells,
        display_name=body.display_name,
        mobile=body.mobile,
    )
    session.commit()
    return _out(session, user)
