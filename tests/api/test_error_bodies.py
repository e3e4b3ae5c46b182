"""Errors raised outside firegrid's own code (Starlette's routing, the body limit while streaming, ids
beyond the database's range) answer with the same body as every other error: code, message, detail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from firegrid import i18n


def _body(size: int) -> Iterator[bytes]:
    chunk = b" " * 65536
    for _ in range(size // len(chunk)):
        yield chunk


def _error(response: object, code: str) -> None:
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code and body["message"] == i18n.text(f"error.{code}"), body
    assert body["detail"] and i18n.text(f"error.{code}", "en") != body["message"]


def test_a_body_cut_while_streaming_is_a_413_with_the_error_body(
    client: TestClient, admin: dict[str, str]
) -> None:
    headers = admin | {"Content-Type": "application/json"}
    response = client.post("/sites", content=_body(8 * 1024 * 1024), headers=headers)  # chunked: no length
    assert response.status_code == 413
    _error(response, "upload_too_large")
    english_headers = headers | {"Accept-Language": "en"}
    english = client.post("/sites", content=_body(8 * 1024 * 1024), headers=english_headers)
    assert english.json()["message"] == i18n.text("error.upload_too_large", "en")


def test_routing_errors_and_huge_ids_have_the_error_body(client: TestClient, admin: dict[str, str]) -> None:
    _error(client.get("/no-such-route", headers=admin), "not_found")
    for path in (f"/tasks/{2**63}", "/tasks/99999999999999999999", f"/cameras/{2**64}"):
        response = client.get(path, headers=admin)
        assert response.status_code == 404, path
        _error(response, "not_found")
    wrong_method = client.delete("/health")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "error"
    assert wrong_method.json()["message"] == i18n.text("error.error")


def test_a_key_taken_meanwhile_is_a_409_and_other_broken_constraints_a_500() -> None:
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from firegrid.api.errors import status_for

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
    db.execute("INSERT INTO t VALUES ('a', 'x')")
    for statement, status in (
        ("INSERT INTO t VALUES ('a', 'y')", 409),
        ("INSERT INTO t VALUES ('b', NULL)", 500),
    ):
        with pytest.raises(sqlite3.IntegrityError) as raised:
            db.execute(statement)
        assert status_for(IntegrityError(statement, None, raised.value)) == status, statement
