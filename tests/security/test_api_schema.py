"""Schemathesis over the OpenAPI schema: for generated requests to every operation, as admin, the API never
answers 5xx and every documented response matches its schema."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from firegrid.api.app import create_app
from firegrid.auth.roles import Role
from firegrid.cli.demo import prepare
from firegrid.config import Settings
from firegrid.services.users import create_api_key
from firegrid.store.db import migrate, transaction
from firegrid.worker.context import build_runtime

HOME = Path(tempfile.mkdtemp(prefix="firegrid-schemathesis-")) / "home"
SETTINGS = Settings(home=HOME, upload_max_bytes=1_000_000, _env_file=None)  # type: ignore[call-arg]
APP = create_app(SETTINGS)  # nothing is opened until the lifespan runs
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# No 5xx, and every answer documented: status code, content type and body schema. (Whether the API is
# stricter than its schema - business rules the schema cannot express - is not checked here.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def admin_headers() -> Iterator[dict[str, str]]:
    """An admin API key (schemathesis fills the declared X-API-Key header; ours overrides it)."""
    runtime = build_runtime(SETTINGS)
    migrate(runtime.engine)
    prepare(runtime)
    with transaction(runtime.sessions) as session:
        _, key = create_api_key(session, "schemathesis", Role.ADMIN)
    runtime.close()
    with TestClient(APP):  # runs the lifespan: the app's state lives until the module ends
        yield {"X-API-Key": key}
    shutil.rmtree(HOME.parent, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: schemathesis.Case, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
