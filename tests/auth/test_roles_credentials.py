from __future__ import annotations

from datetime import timedelta

import pytest

from firegrid.auth import credentials
from firegrid.auth.roles import Permission, Principal, Role
from firegrid.errors import AuthError

KEY = "a-test-signing-key-of-32-bytes-or-more"


def test_subtree_visibility() -> None:
    p = Principal("rev", Role.TOWNSHIP_REVIEWER, 1, ("140900/140902/140902001",))
    assert p.sees("140900/140902/140902001")
    assert p.sees("140900/140902/140902001/140902001003")
    assert not p.sees("140900/140902/1409020010")  # a prefix of digits is not a subtree
    assert not p.sees("140900/140902")
    assert not p.sees(None)
    assert Principal("admin", Role.ADMIN, 1, None).sees(None)
    assert not p.can(Permission.ACT_ON_TASKS) and Principal("i", Role.INSPECTOR).can(Permission.ACT_ON_TASKS)


def test_passwords_and_tokens() -> None:
    hashed = credentials.hash_password("correct horse")
    assert credentials.verify_password("correct horse", hashed)
    assert not credentials.verify_password("wrong horse", hashed)
    assert not credentials.verify_password("x", "not-a-hash")
    with pytest.raises(ValueError, match="8 characters"):
        credentials.hash_password("short")
    token = credentials.create_token("admin", KEY, timedelta(minutes=5), role="admin")
    assert credentials.decode_token(token, KEY)["sub"] == "admin"
    with pytest.raises(AuthError, match="invalid"):
        credentials.decode_token(token, "another-key-of-at-least-32-bytes!!")
    expired = credentials.create_token("admin", KEY, timedelta(seconds=-1))
    with pytest.raises(AuthError, match="expired"):
        credentials.decode_token(expired, KEY)
