"""One redaction for every URL firegrid shows or logs: userinfo and token-like parameters never leave
the server, whoever asks (another township's inspector included) and whatever logs them."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from firegrid.logs import install_redaction
from firegrid.redact import redact, redact_text, redact_url
from tests.api.conftest import login

PASSWORD, TOKEN = "pw-9d8c7b", "tok-6a5f4e"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:secret@10.0.0.5:554/h264", "rtsp://***@10.0.0.5:554/h264"),
        ("http://cam/ISAPI?channel=1&token=abc", "http://cam/ISAPI?channel=1&token=***"),
        ("https://h/send?access_token=abc&x=1", "https://h/send?access_token=***&x=1"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"),
        ("https://s3/x?X-Amz-Signature=abc&X-Amz-Credential=d", "https://s3/x?X-Amz-Signature=***&X-Amz-Credential=***"),
        ("http://h/p?password=a&secret=b&auth=c&apikey=d", "http://h/p?password=***&secret=***&auth=***&apikey=***"),
        ("https://h/cb#access_token=abc", "https://h/cb#access_token=***"),
        ("http://h/p?page=2", "http://h/p?page=2"),
        ("/data/scenes/LC09", "/data/scenes/LC09"),
    ],
)  # fmt: skip
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_text_and_values() -> None:
    line = f"PTZ goto http://u:{PASSWORD}@10.1.1.1/p?token={TOKEN} failed; retry"
    assert (
        PASSWORD not in redact_text(line) and TOKEN not in redact_text(line) and "retry" in redact_text(line)
    )
    config = {
        "kind": "x",
        "map_key": "K",
        "client_secret": "S",
        "url": f"http://h/?sig={TOKEN}",
        "items": [1],
    }
    assert redact(config) == {
        "kind": "x",
        "map_key": "***",
        "client_secret": "***",
        "url": "http://h/?sig=***",
        "items": [1],
    }


def test_every_log_line_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    caplog.set_level(logging.INFO)
    log = logging.getLogger("some.library")
    log.info("fetching %s", f"https://robot/send?access_token={TOKEN}")
    try:
        raise RuntimeError(f"cannot open rtsp://admin:{PASSWORD}@10.0.0.9/live")
    except RuntimeError:
        log.exception("stream failed")
    assert "access_token=***" in caplog.text and "stream failed" in caplog.text
    assert TOKEN not in caplog.text and PASSWORD not in caplog.text


def test_urls_are_redacted_in_every_response(client: TestClient, admin: dict[str, str]) -> None:
    operator = login(client, "op-140902")
    camera = {
        "lon": 112.7340,
        "lat": 38.4166,
        "type": "ptz",
        "stream": {"kind": "rtsp", "url": f"rtsp://viewer:{PASSWORD}@127.0.0.1:554/h264?token={TOKEN}"},
        "ptz": {"goto_url": f"http://admin:{PASSWORD}@127.0.0.1/ISAPI/{{preset_id}}/goto?token={TOKEN}"},
        "presets": [
            {"name": "a", "pan_deg": 0, "hfov_deg": 40},
            {"name": "b", "pan_deg": 90, "hfov_deg": 40},
        ],
    }
    put = client.put("/cameras/redact1", json=camera, headers=operator)
    assert put.status_code == 200, put.text
    robot = {
        "name": "群",
        "kind": "dingtalk",
        "cell_code": "140902001",
        "url": f"http://127.0.0.1:9/send?access_token={TOKEN}",
    }
    assert client.post("/notify/robots", json=robot, headers=operator).status_code == 201
    bodies = [put.text] + [
        client.get(u, headers=operator).text for u in ("/cameras", "/cameras/redact1", "/notify/robots")
    ]
    shown = client.get("/cameras/redact1", headers=operator).json()["config"]
    assert shown["stream"]["url"] == "rtsp://***@127.0.0.1:554/h264?token=***"
    assert shown["ptz"]["goto_url"].startswith("http://***@127.0.0.1/ISAPI/")
    owner = client.get("/cameras/redact1", headers=admin).json()["owner"]
    inspector = login(client, f"insp-{owner}")  # the village the camera stands in: no URLs at all
    mine = client.get("/cameras/redact1", headers=inspector).json()["config"]
    assert "url" not in mine["stream"] and "ptz" not in mine
    stranger = login(client, "insp-140922100001")
    assert client.get("/cameras/redact1", headers=stranger).status_code == 404
    assert "redact1" not in client.get("/cameras", headers=stranger).text
    bodies += [client.get(u, headers=admin).text for u in ("/cameras", "/notify/robots", "/audit/registry")]
    for body in bodies:
        assert PASSWORD not in body and TOKEN not in body
