"""A live camera stream (real ffmpeg, MPEG-TS over HTTP) drops and comes back on the same URL: the
camera goes offline with its error, then online again; a camera patrolled alongside never notices."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from firegrid.cameras.config import CameraConfig
from firegrid.services.cameras import PatrolReport, patrol_safely, upsert_camera
from firegrid.store.db import transaction
from firegrid.store.tables import CameraRow
from firegrid.worker.context import Runtime
from tests import servers
from tests.cameras.helpers import _listening, ffmpeg
from tests.reliability.helpers import fire_video

pytestmark = pytest.mark.slow


@contextmanager
def stream(video: Path, port: int) -> Iterator[str]:
    """``ffmpeg -listen 1`` looping ``video`` as MPEG-TS on a fixed port (killed on exit: the drop)."""
    url = f"http://127.0.0.1:{port}/cam.ts"
    args = [ffmpeg(), "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(video), "-c:v", "libx264"]
    args += ["-preset", "ultrafast", "-tune", "zerolatency", "-an", "-f", "mpegts", "-listen", "1", url]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not _listening(port):  # no probe connection: it would be ffmpeg's only client
            assert proc.poll() is None and time.monotonic() < deadline, "ffmpeg did not start listening"
            time.sleep(0.05)
        yield url
    finally:
        proc.kill()
        proc.wait(5)


def _camera(camera_id: str, kind: str, url: str) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "id": camera_id,
            "lon": 112.6,
            "lat": 38.45,
            "presets": [{"name": "v", "pan_deg": 90, "tilt_deg": -2, "hfov_deg": 40}],
            "stream": {"kind": kind, "url": url, "frames_per_visit": 3, "timeout_s": 10},
        }
    )


def _round(rt: Runtime) -> tuple[dict[str, PatrolReport], dict[str, CameraRow]]:
    """One patrol of each camera, as the scheduler would run them; reports and health after."""
    ctx = rt.cameras()
    reports = {camera: patrol_safely(ctx, camera) for camera in ("live", "steady")}
    with rt.sessions() as session:
        return reports, {camera: session.get_one(CameraRow, camera) for camera in ("live", "steady")}


def test_a_dropped_stream_goes_offline_then_online_and_spares_the_other_camera(
    runtime: Runtime, tmp_path: Path
) -> None:
    video = fire_video(tmp_path / "field.mp4", frames=50, fire=False)
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}/cam.ts"
    with transaction(runtime.sessions) as session:
        upsert_camera(session, _camera("live", "mjpeg", url))
        upsert_camera(session, _camera("steady", "file", str(video)))

    with stream(video, port):
        reports, health = _round(runtime)  # up
    assert reports["live"].frames == 3 and health["live"].online and health["live"].last_error is None
    seen_up = health["live"].last_frame_at

    reports, health = _round(runtime)  # dropped: nothing serves the URL any more
    assert reports["live"].frames == 0 and "cannot open" in (reports["live"].problem or "")
    live = health["live"]
    assert not live.online and live.consecutive_errors == 1
    assert "camera live" in (live.last_error or "") and "cannot open" in (live.last_error or "")
    assert live.last_frame_at == seen_up  # no frame was invented

    with stream(video, port):  # back, a new ffmpeg on the same URL
        reports, health = _round(runtime)
    live = health["live"]
    assert reports["live"].frames == 3 and live.online and live.last_error is None
    assert live.consecutive_errors == 0 and live.last_frame_at is not None and live.last_frame_at > seen_up
    assert live.patrols == 3 and live.patrolling_since is None

    steady = health["steady"]  # patrolled in the same three rounds, untouched by the drop
    assert steady.online and steady.patrols == 3 and steady.consecutive_errors == 0
    assert steady.last_error is None and steady.state["v"]["position"] == 9
