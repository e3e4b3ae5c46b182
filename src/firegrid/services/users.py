"""Users, their cells, API keys, and turning either into a ``Principal``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from firegrid.auth import credentials
from firegrid.auth.roles import Principal, Role
from firegrid.errors import AuthError, ConflictError, InputError
from firegrid.services.grid import active_version
from firegrid.store.tables import ApiKey, GridCellRow, User, UserCell, utcnow


def add_user(
    session: Session,
    username: str,
    password: str | None,
    role: Role,
    cells: Iterable[str] = (),
    *,
    display_name: str = "",
    mobile: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user attached to ``cells`` (codes); give ``password`` or a precomputed hash."""
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise ConflictError(f"user {username!r} exists")
    cells = list(cells)
    if role is not Role.ADMIN and not cells:
        raise InputError(f"a {role} must be attached to at least one grid cell")
    hashed = password_hash or credentials.hash_password(password or "")
    user = User(
        username=username, password_hash=hashed, role=role.value, display_name=display_name, mobile=mobile
    )
    session.add(user)
    session.flush()
    session.add_all([UserCell(user_id=user.id, cell_code=code) for code in dict.fromkeys(cells)])
    return user


def set_user_cells(session: Session, user: User, cells: Iterable[str]) -> None:
    """Replace a user's cells."""
    session.execute(delete(UserCell).where(UserCell.user_id == user.id))
    session.add_all([UserCell(user_id=user.id, cell_code=code) for code in dict.fromkeys(cells)])


def user_cells(session: Session, user_id: int) -> list[str]:
    """The cell codes a user is attached to."""
    return list(session.scalars(select(UserCell.cell_code).where(UserCell.user_id == user_id)))


def paths_for(session: Session, codes: Iterable[str]) -> tuple[str, ...]:
    """Materialised paths of cell codes in the active grid (unknown codes are dropped)."""
    version = active_version(session)
    codes = list(codes)
    if version is None or not codes:
        return ()
    rows = session.scalars(
        select(GridCellRow.path).where(GridCellRow.version_id == version.id, GridCellRow.code.in_(codes))
    )
    return tuple(sorted(rows))


def principal_for_user(session: Session, user: User) -> Principal:
    """The principal of a user: admins see everything, others their cells' subtrees."""
    role = Role(user.role)
    paths = None if role is Role.ADMIN else paths_for(session, user_cells(session, user.id))
    return Principal(user.username, role, user.id, paths)


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this password, or ``AuthError``."""
    user = session.scalars(select(User).where(User.username == username)).first()
    known = user is not None and user.is_active
    hashed = user.password_hash if user is not None and known else credentials.dummy_hash()
    if not credentials.verify_password(password, hashed) or not known or user is None:
        raise AuthError("wrong username or password", code="wrong_credentials")
    return user


def create_api_key(
    session: Session, name: str, role: Role, cell_code: str | None = None
) -> tuple[ApiKey, str]:
    """A new API key row and the key itself (shown once, only its hash is stored)."""
    if role is not Role.ADMIN and cell_code is None:
        raise InputError(f"an API key with role {role} needs a cell")
    key = credentials.new_api_key()
    row = ApiKey(
        name=name,
        prefix=key[:8],
        key_hash=credentials.api_key_hash(key),
        role=role.value,
        cell_code=cell_code,
    )
    session.add(row)
    session.flush()
    return row, key


def principal_for_api_key(session: Session, key: str) -> Principal:
    """The principal of an API key, or ``AuthError``."""
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == credentials.api_key_hash(key))).first()
    if row is None or row.revoked_at is not None:
        raise AuthError("invalid API key")
    role = Role(row.role)
    paths = None if role is Role.ADMIN else paths_for(session, [row.cell_code] if row.cell_code else [])
    return Principal(f"api-key:{row.name}", role, None, paths)


def revoke_api_key(session: Session, key_id: int) -> None:
    """Revoke an API key."""
    row = session.get(ApiKey, key_id)
    if row is not None:
        row.revoked_at = utcnow()
