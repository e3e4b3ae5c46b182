"""Grab frames from a camera: RTSP / HTTP MJPEG (OpenCV's FFmpeg backend, with timeouts), HTTP
snapshots (httpx) and video or image files. Errors name the camera and never show credentials.

A visit opens the stream, reads ``frames_per_visit`` frames and closes it: patrols are short
and spread over a bounded pool, so no camera holds a thread or a connection between visits.
File streams continue from a stored frame position, so any worker can carry on.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import httpx
import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import StreamConfig
from firegrid.errors import InputError, SourceUnavailableError
from firegrid.imagery.decode import read_image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"}
_CREDENTIALS = re.compile(r"//[^/@\s]+@")


class StreamError(SourceUnavailableError):
    """A stream that could not deliver a frame; ``ended`` for a file at its end."""

    def __init__(self, message: str, ended: bool = False) -> None:
        super().__init__(_CREDENTIALS.sub("//***@", message))
        self.ended = ended


@dataclass
class Frame:
    """One image (BGR) and when it was taken."""

    image: NDArray[np.uint8]
    at: datetime
    index: int | None = None  # position in a file stream


def grab(
    camera_id: str, stream: StreamConfig, position: int = 0, http: httpx.Client | None = None
) -> list[Frame]:
    """Frames of one visit (``position``: next frame index of a file stream)."""
    if stream.kind == "snapshot":
        return [_snapshot(camera_id, stream, http) for _ in range(stream.frames_per_visit)]
    if stream.kind == "file" and Path(stream.url).suffix.lower() in IMAGE_SUFFIXES:
        return [_image_file(camera_id, Path(stream.url))]
    return _video(camera_id, stream, position)


def _snapshot(camera_id: str, stream: StreamConfig, http: httpx.Client | None) -> Frame:
    client = http or httpx.Client()
    auth = (stream.username or "", stream.password() or "") if stream.username else None
    try:
        response = client.get(stream.url, auth=auth, timeout=stream.timeout_s)
    except httpx.HTTPError as exc:
        raise StreamError(
            f"camera {camera_id}: snapshot {stream.display_url()} failed: {type(exc).__name__}"
        ) from exc
    if not response.is_success:
        raise StreamError(
            f"camera {camera_id}: snapshot {stream.display_url()} answered HTTP {response.status_code}"
        )
    try:
        image = read_image(response.content, f"camera {camera_id}: snapshot {stream.display_url()}")
    except InputError as exc:
        raise StreamError(str(exc)) from exc
    return Frame(image, datetime.now(UTC))


def _image_file(camera_id: str, path: Path) -> Frame:
    try:
        image = read_image(path, f"camera {camera_id}: {path}")
    except InputError as exc:
        raise StreamError(str(exc)) from exc
    return Frame(image, datetime.now(UTC))


def _video(camera_id: str, stream: StreamConfig, position: int) -> list[Frame]:
    timeout_ms = int(stream.timeout_s * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    source = stream.url if stream.kind == "file" else stream.resolved_url()
    if stream.kind == "file" and not Path(source).is_file():
        raise StreamError(f"camera {camera_id}: {source} does not exist")
    capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
    try:
        if not capture.isOpened():
            raise StreamError(f"camera {camera_id}: cannot open {stream.display_url()}")
        if stream.kind == "file" and position:
            capture.set(cv2.CAP_PROP_POS_FRAMES, position)
        frames: list[Frame] = []
        index = position
        while len(frames) < stream.frames_per_visit:
            ok, image = capture.read()
            if not ok or image is None:
                if frames:
                    break  # the stream died mid-visit: keep what arrived
                ended = stream.kind == "file"
                what = "ended" if ended else "stopped delivering frames"
                raise StreamError(
                    f"camera {camera_id}: {stream.display_url()} {what} at frame {index}", ended
                )
            frames.append(
                Frame(
                    np.asarray(image, np.uint8), datetime.now(UTC), index if stream.kind == "file" else None
                )
            )
            index += 1
            for _ in range(stream.frame_step - 1 if stream.kind == "file" else 0):
                if not capture.grab():
                    break
                index += 1
        return frames
    finally:
        capture.release()


def frame_problem(image: NDArray[np.uint8], previous_grey: NDArray[np.float32] | None) -> str | None:
    """``black`` (almost no signal), ``frozen`` (identical to the previous visit) or None."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    if grey.mean() < 8 and grey.std() < 4:
        return "black"
    if (
        previous_grey is not None
        and previous_grey.shape == grey.shape
        and np.abs(grey - previous_grey).mean() < 0.25
    ):
        return "frozen"
    return None


def small_grey(image: NDArray[np.uint8], width: int = 160) -> NDArray[np.float32]:
    """A downscaled grey image (for reference and frozen-frame comparisons)."""
    h, w = image.shape[:2]
    height = max(1, round(h * width / w))
    grey = cv2.cvtColor(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return grey.astype(np.float32)
