"""SSRF guard: user-supplied URLs may not reach loopback, private, link-local or metadata addresses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from firegrid.api.app import create_app
from firegrid.config import Settings
from firegrid.errors import InputError
from firegrid.netguard import CAMERA_SCHEMES, OutboundGuard
from tests.api.conftest import login

REFUSED = [
    "http://127.0.0.1:8000/admin",
    "http://localhost/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.1.2.3/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://[::1]/",
    "http://[fd00::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="non-public address"):
        OutboundGuard().check_url(url, "robot URL")


def test_public_addresses_schemes_and_allowed_ranges() -> None:
    guard = OutboundGuard()
    guard.check_url("https://8.8.8.8/robot/send", "robot URL")
    with pytest.raises(InputError, match="scheme 'file'"):
        guard.check_url("file:///etc/passwd", "camera c1 stream", CAMERA_SCHEMES)
    with pytest.raises(InputError, match="scheme 'gopher'"):
        guard.check_url("gopher://8.8.8.8/", "robot URL")
    lan = OutboundGuard(["10.20.0.0/16"])
    lan.check_url("rtsp://10.20.3.4/Streaming/Channels/101", "camera c1 stream", CAMERA_SCHEMES)
    with pytest.raises(InputError, match=r"10\.21\.0\.1"):
        lan.check_url("rtsp://10.21.0.1/", "camera c1 stream", CAMERA_SCHEMES)
    with pytest.raises(InputError, match="ALLOWED_NETWORKS"):
        OutboundGuard(["not-a-network"])


class _Redirect(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", f"http://127.0.0.2:{self.server.server_address[1]}/inside")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def redirecting_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_redirects_to_a_refused_address_are_stopped(redirecting_server: str) -> None:
    guard = OutboundGuard(["127.0.0.1/32"])
    with guard.client(follow_redirects=True) as client, pytest.raises(InputError, match=r"127\.0\.0\.2"):
        client.post(redirecting_server, json={})
    with httpx.Client(follow_redirects=False) as plain:
        assert plain.post(redirecting_server, json={}).status_code == 307


@pytest.fixture
def strict_client(tmp_path: Path, demo_settings: Settings) -> Iterator[TestClient]:
    """The demo API with no private range allowed (the suite's default allows loopback for its fakes)."""
    strict = Settings(  # type: ignore[call-arg]
        home=tmp_path / "home", database_url=demo_settings.db_url, allowed_networks=[], _env_file=None
    )
    with TestClient(create_app(strict)) as c:
        yield c


CAMERA: dict[str, Any] = {
    "lon": 112.6,
    "lat": 38.45,
    "stream": {"kind": "rtsp", "url": "rtsp://169.254.169.254/x"},
    "presets": [{"name": "n", "pan_deg": 0, "tilt_deg": -2, "hfov_deg": 45}],
}


def test_api_refuses_internal_camera_robot_and_push_urls(strict_client: TestClient) -> None:
    admin = login(strict_client, "admin")
    r = strict_client.put("/cameras/meta", json=CAMERA, headers=admin)
    assert r.status_code == 400 and "camera meta stream" in r.json()["detail"], r.text
    ptz = CAMERA | {
        "type": "ptz",
        "stream": {"kind": "rtsp", "url": "rtsp://8.8.8.8/x"},
        "ptz": {"goto_url": "http://127.0.0.1:8000/users"},
    }
    r = strict_client.put("/cameras/ptz1", json=ptz, headers=admin)
    assert r.status_code == 400 and "PTZ URL" in r.json()["detail"], r.text
    robot = {"name": "r", "kind": "wecom", "cell_code": "140902001", "url": "http://127.0.0.1:6379/"}
    r = strict_client.post("/notify/robots", json=robot, headers=admin)
    assert r.status_code == 400 and "robot wecom URL" in r.json()["detail"], r.text
    inspector = login(strict_client, "rev-140902001")
    sub = {"endpoint": "http://10.0.0.1/push/x", "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}
    r = strict_client.post("/push/subscriptions", json=sub, headers=inspector)
    assert r.status_code == 400 and "web push endpoint" in r.json()["detail"], r.text


def test_api_cameras_cannot_read_files_or_other_secrets(strict_client: TestClient) -> None:
    admin = login(strict_client, "admin")
    public = {"kind": "rtsp", "url": "rtsp://8.8.8.8/x", "username": "u"}
    for stream, needle in (
        ({"kind": "file", "url": "/etc/passwd"}, "must lie under"),
        ({**public, "password_env": "FIREGRID_SECRET_KEY"}, "FIREGRID_CAMERA_"),
        ({**public, "password_file": "/etc/shadow"}, "must lie under"),
    ):
        r = strict_client.put("/cameras/c1", json=CAMERA | {"stream": stream}, headers=admin)
        assert r.status_code == 400 and needle in r.json()["detail"], r.text
