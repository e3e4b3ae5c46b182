"""Login rate limiting, JWT expiry and signing-key rotation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from firegrid.api.app import create_app
from firegrid.auth import credentials
from firegrid.cli.demo import DEMO_PASSWORD
from firegrid.config import Settings

OLD_KEY = "o" * 40
NEW_KEY = "n" * 40


def test_repeated_failed_logins_are_refused_with_429(client: TestClient) -> None:
    user = "rev-140902001"
    for _ in range(5):
        r = client.post("/auth/token", data={"username": user, "password": "wrong-password"})
        assert r.status_code == 401
    blocked = client.post("/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    assert blocked.status_code == 429, blocked.text
    assert int(blocked.headers["Retry-After"]) >= 1
    assert "too many failed logins" in blocked.json()["detail"]
    # another user from the same address is not locked out by these failures
    assert (
        client.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 200
    )


def _settings(home: Path, demo_settings: Settings, **kw: object) -> Settings:
    return Settings(home=home, database_url=demo_settings.db_url, _env_file=None, **kw)  # type: ignore[call-arg]


def test_expired_tokens_and_key_rotation(tmp_path: Path, demo_settings: Settings) -> None:
    old = credentials.create_token("admin", OLD_KEY, timedelta(minutes=5), role="admin")
    expired = credentials.create_token("admin", NEW_KEY, timedelta(seconds=-1), role="admin")
    foreign = credentials.create_token("admin", "f" * 40, timedelta(minutes=5), role="admin")
    rotated = _settings(tmp_path / "a", demo_settings, secret_key=NEW_KEY, previous_secret_keys=[OLD_KEY])
    with TestClient(create_app(rotated)) as c:
        assert c.get("/auth/me", headers={"Authorization": f"Bearer {old}"}).status_code == 200
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and r.json()["detail"] == "token expired"
        assert c.get("/auth/me", headers={"Authorization": f"Bearer {foreign}"}).status_code == 401
        fresh = c.post("/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
        assert (
            credentials.decode_token(fresh["access_token"], NEW_KEY)["sub"] == "admin"
        )  # signed by the new key
    retired = _settings(tmp_path / "b", demo_settings, secret_key=NEW_KEY)
    with TestClient(create_app(retired)) as c:
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {old}"})
        assert r.status_code == 401 and r.json()["detail"] == "invalid token"
