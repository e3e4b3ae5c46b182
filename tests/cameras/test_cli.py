from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from tests.cli.test_cli import firegrid


@pytest.mark.shared_data
def test_detect_sequence_replays_frames(tmp_path: Path, shared_data: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    capture = cv2.VideoCapture(str(shared_data / "camera/video/house6.mp4"))
    for i in range(0, 60):
        ok, image = capture.read()
        if ok and i % 3 == 0:
            cv2.imwrite(str(frames / f"f{i:03d}.jpg"), image)
    capture.release()
    out = json.loads(
        firegrid(tmp_path, "detect-sequence", str(frames), "--json", "--conf-thresh", "0.2").stdout
    )
    assert out["frames"] == 20 and out["model"]["name"] == "smoke-fire"  # the default camera model
    assert len(out["alarms"]) == 1 and out["alarms"][0]["frame"].startswith("f0")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no frames" in firegrid(tmp_path, "detect-sequence", str(empty), check=False).stderr


@pytest.mark.shared_data
def test_watch_once(tmp_path: Path, shared_data: Path) -> None:
    registry = tmp_path / "cameras.yaml"
    registry.write_text(
        "cameras:\n"
        "  - id: clip\n    lon: 112.6\n    lat: 38.45\n    stream: {kind: file, url: "
        f"'{shared_data / 'camera/video/house6.mp4'}', frames_per_visit: 3}}\n"
        "    presets: [{name: view, pan_deg: 90, tilt_deg: -2, hfov_deg: 40}]\n"
        "  - id: nothing\n    lon: 112.6\n    lat: 38.45\n    stream: {kind: file, url: /nonexistent.mp4}\n"
        "    presets: [{name: view, pan_deg: 90, tilt_deg: -2, hfov_deg: 40}]\n"
    )
    out = firegrid(tmp_path, "watch", "--cameras", str(registry), "--once").stdout
    reports = {r["camera"]: r for r in map(json.loads, out.strip().splitlines())}
    assert reports["clip"]["frames"] == 3 and "does not exist" in reports["nothing"]["problem"]
    listed = {c["id"]: c["health"] for c in json.loads(firegrid(tmp_path, "cameras", "list").stdout)}
    assert listed["clip"]["online"] and not listed["nothing"]["online"]
