"""Password hashing (Argon2 via pwdlib), JWT access tokens and API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash

from firegrid.errors import AuthError

_HASHER = PasswordHash.recommended()
ALGORITHM = "HS256"
API_KEY_PREFIX = "fgk_"
REQUIRED = ["exp", "iat", "sub"]  # a token without an expiry would be valid forever


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    if len(password) < 8:
        raise ValueError("passwords need at least 8 characters")
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """True when ``password`` matches ``hashed``."""
    try:
        return bool(_HASHER.verify(password, hashed))
    except Exception:  # a malformed stored hash is a failed login, never a crash
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash of a random password, verified for unknown or disabled users so that a failed login
    costs the same Argon2 work whether the user exists or not (no user enumeration by timing)."""
    return _HASHER.hash(secrets.token_urlsafe(24))


def create_token(subject: str, key: str, ttl: timedelta, **claims: Any) -> str:
    """A signed JWT for ``subject``."""
    now = datetime.now(UTC)
    payload = {"sub": subject, "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def decode_token(token: str, keys: str | Sequence[str]) -> dict[str, Any]:
    """The claims of a token valid under any of ``keys`` (current first, then rotated-out ones), or
    ``AuthError``."""
    for key in [keys] if isinstance(keys, str) else keys:
        try:
            return dict(jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": REQUIRED}))
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired", code="session_expired") from None
        except jwt.MissingRequiredClaimError as exc:
            message = f"invalid token: no {exc.claim!r} claim (tokens must expire)"
            raise AuthError(message, code="session_expired") from None
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            break
    raise AuthError("invalid token", code="session_expired")


def new_api_key() -> str:
    """A fresh random API key (shown once)."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(key: str) -> str:
    """What is stored for an API key."""
    return hashlib.sha256(key.encode()).hexdigest()
