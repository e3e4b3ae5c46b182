"""Real ffmpeg serving a local HTTP MPEG-TS stream; the real fire clip's ground truth."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import servers


def ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        pytest.skip("ffmpeg is not installed; `make test` installs it")
    return path


@contextmanager
def http_stream(video: Path, seconds: float | None = None, loop: bool = False) -> Iterator[str]:
    """``ffmpeg -listen 1`` serving ``video`` as MPEG-TS to one client; yields the URL."""
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}/cam.ts"
    args = [ffmpeg(), "-loglevel", "error", "-re"]
    if loop:
        args += ["-stream_loop", "-1"]
    args += ["-i", str(video)]
    if seconds is not None:
        args += ["-t", str(seconds)]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-an",
        "-f",
        "mpegts",
        "-listen",
        "1",
        url,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if _listening(port):  # a probe connection would be ffmpeg's one and only client
                break
            if proc.poll() is not None:
                raise RuntimeError(f"ffmpeg exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.05)
        yield url
    finally:
        proc.kill()
        proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()


def _listening(port: int) -> bool:
    """True when something listens on 127.0.0.1:port (read from /proc/net/tcp, no connection)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            return True
    return False


def house6_truth(xml: Path) -> dict[int, list[tuple[int, int, int, int]]]:
    """Frame number -> flame rectangles (x, y, w, h) of the FURG house6 annotation."""
    text = xml.read_text()
    truth: dict[int, list[tuple[int, int, int, int]]] = {}
    for frame, body in re.findall(
        r"<frameNumber>(\d+)</frameNumber>\s*<annotations>(.*?)</annotations>", text, re.S
    ):
        rects = [tuple(int(v) for v in m.split()) for m in re.findall(r"<_>\s*([\d\s]+?)</_>", body)]
        truth[int(frame)] = [r for r in rects if len(r) == 4]  # type: ignore[misc]
    return truth
