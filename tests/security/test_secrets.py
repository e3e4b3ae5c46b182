"""Secrets (camera passwords, robot keys and signing secrets, webhook secrets, VAPID and JWT keys) never
appear in logs or API responses, even when the thing they unlock fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from firegrid.config import Settings
from firegrid.services.cameras import patrol_safely
from firegrid.worker.context import build_runtime

CAMERA_PASSWORD = "cam-Pa55-9f8e7d"
ROBOT_TOKEN = "robot-token-1a2b3c"
ROBOT_SECRET = "SECdingtalk-4d5e6f"
WEBHOOK_SECRET = "webhook-secret-7g8h9i"


class _Refuse(BaseHTTPRequestHandler):
    seen_auth: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Refuse.seen_auth.append(self.headers.get("Authorization", ""))
        self.send_response(401)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_camera() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ISAPI/Streaming/channels/101/picture"
    server.shutdown()
    server.server_close()


def test_secrets_stay_out_of_logs_and_responses(
    client: TestClient,
    admin: dict[str, str],
    demo_settings: Settings,
    refusing_camera: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FIREGRID_CAMERA_LEAK", CAMERA_PASSWORD)
    camera = {
        "lon": 112.6,
        "lat": 38.45,
        "stream": {
            "kind": "snapshot",
            "url": refusing_camera,
            "username": "admin",
            "password_env": "FIREGRID_CAMERA_LEAK",
        },
        "presets": [{"name": "n", "pan_deg": 0, "tilt_deg": -2, "hfov_deg": 45}],
    }
    bodies = [client.put("/cameras/leak1", json=camera, headers=admin).text]
    runtime = build_runtime(demo_settings)
    try:
        report = patrol_safely(runtime.cameras(), "leak1")  # the camera refuses: an error is recorded
    finally:
        runtime.close()
    assert _Refuse.seen_auth and _Refuse.seen_auth[-1].startswith("Basic ")  # the password was really sent
    robot = {
        "name": "镇群",
        "kind": "dingtalk",
        "cell_code": "140902001",
        "url": f"https://oapi.dingtalk.com/robot/send?access_token={ROBOT_TOKEN}",
        "secret": ROBOT_SECRET,
    }
    bodies.append(client.post("/notify/robots", json=robot, headers=admin).text)
    for url in ("/cameras", "/cameras/leak1", "/notify/robots", "/push/key", "/openapi.json", "/metrics"):
        bodies.append(client.get(url, headers=admin).text)
    bodies.append(str(report))
    secret_settings = Settings(  # type: ignore[call-arg]
        home=demo_settings.home, webhook={"url": "https://hooks.example.org/x", "secret": WEBHOOK_SECRET}
    )
    bodies += [repr(secret_settings), secret_settings.model_dump_json()]
    logging.getLogger("firegrid.test").info("settings: %s", secret_settings)
    secrets = [
        CAMERA_PASSWORD,
        ROBOT_TOKEN,
        ROBOT_SECRET,
        WEBHOOK_SECRET,
        demo_settings.jwt_key(),
        "PRIVATE KEY",
        demo_settings.vapid_key().splitlines()[1],
    ]
    text = caplog.text + "\n".join(bodies)
    assert "leak1" in caplog.text  # the failure was logged ...
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:6]}..."  # ... without the secrets
