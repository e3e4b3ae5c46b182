"""Streams against real ffmpeg (a live HTTP MPEG-TS stream, a stream that dies, a truncated file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firegrid.cameras.config import StreamConfig
from firegrid.cameras.streams import StreamError, frame_problem, grab
from tests.cameras.helpers import http_stream

CLIP = "camera/video/house6.mp4"


@pytest.mark.shared_data
def test_file_stream_continues_from_its_position(shared_data: Path) -> None:
    stream = StreamConfig(kind="file", url=str(shared_data / CLIP), frames_per_visit=3, frame_step=10)
    first = grab("c1", stream, 0)
    second = grab("c1", stream, position=first[-1].index + 10)  # type: ignore[operator]
    assert [f.index for f in first] == [0, 10, 20] and [f.index for f in second] == [30, 40, 50]
    assert first[0].image.shape == (240, 426, 3)
    with pytest.raises(StreamError, match="ended at frame 899") as ended:
        grab("c1", StreamConfig(kind="file", url=str(shared_data / CLIP)), 899)
    assert ended.value.ended


@pytest.mark.shared_data
def test_truncated_and_missing_files_are_clear_errors(shared_data: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((shared_data / CLIP).read_bytes()[:60_000])
    with pytest.raises(StreamError, match=r"camera c2: .*cut\.mp4"):
        grab("c2", StreamConfig(kind="file", url=str(cut), frames_per_visit=50, frame_step=20))
    with pytest.raises(StreamError, match="does not exist"):
        grab("c2", StreamConfig(kind="file", url=str(tmp_path / "none.mp4")))


@pytest.mark.shared_data
@pytest.mark.slow
def test_live_http_stream_and_one_that_dies(shared_data: Path) -> None:
    with http_stream(shared_data / CLIP, loop=True) as url:
        frames = grab("tower", StreamConfig(kind="mjpeg", url=url, frames_per_visit=5, timeout_s=10))
    assert len(frames) == 5 and frames[0].image.shape[:2] == (240, 426)
    with http_stream(shared_data / CLIP, seconds=0.5) as url:
        short = grab("tower", StreamConfig(kind="mjpeg", url=url, frames_per_visit=50, timeout_s=10))
        assert 0 < len(short) < 50  # the stream died mid-visit: the frames that arrived are kept
    with pytest.raises(StreamError, match="cannot open"):
        grab("tower", StreamConfig(kind="mjpeg", url=url, timeout_s=3))  # nobody serves it any more


def test_credentials_never_appear_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from firegrid.cameras.config import CameraConfig, Preset

    monkeypatch.setenv("CAM_SECRET", "s3cr3t-pw")
    stream = StreamConfig(
        kind="rtsp", url="rtsp://127.0.0.1:9/live", username="admin", password_env="CAM_SECRET", timeout_s=2
    )
    assert "s3cr3t-pw" in stream.resolved_url() and "s3cr3t-pw" not in stream.display_url()
    with pytest.raises(StreamError) as failure:
        grab("gate", stream)
    assert "s3cr3t-pw" not in str(failure.value) and "admin" not in str(failure.value)
    public = CameraConfig(
        id="gate", lon=112, lat=38, stream=stream, presets=[Preset(name="v", pan_deg=0, hfov_deg=50)]
    ).public()
    assert "CAM_SECRET" not in str(public) and "s3cr3t" not in str(public)


def test_black_and_frozen_frames() -> None:
    black = np.zeros((120, 160, 3), np.uint8)
    noisy = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    assert frame_problem(black, None) == "black"
    from firegrid.cameras.streams import small_grey

    previous = small_grey(noisy)
    resized = __import__("cv2").resize(noisy, (160, 120))
    assert frame_problem(noisy, None) is None
    assert frame_problem(resized, previous) == "frozen"
