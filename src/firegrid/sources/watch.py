"""Which entries of a watch folder are ready: files whose size and time have settled, scene folders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from firegrid.files import is_inside

FIRE_POINT_SUFFIXES = {".csv", ".txt", ".json", ".geojson", ".xlsx", ".xlsm"}
SCENE_MARKER = "READY"  # touch it when a scene folder is complete


@dataclass(frozen=True)
class Entry:
    """A ready file (fire points) or folder (a scene)."""

    path: Path
    kind: Literal["points", "scene"]
    size: int
    mtime_ns: int


def ready_entries(
    folder: Path, settle_s: float, now: float, roots: Sequence[Path] | None = None
) -> Iterator[Entry]:
    """Files not modified for ``settle_s`` seconds, and scene folders with a ``READY`` marker; with
    ``roots``, entries that are links leading out of them are skipped (their resolved paths are used)."""
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        path = entry.resolve() if roots is not None else entry
        if roots is not None and not is_inside(path, roots):
            continue
        if path.is_dir():
            marker = path / SCENE_MARKER
            if marker.is_file():
                stat = marker.stat()
                yield Entry(path, "scene", 0, stat.st_mtime_ns)
            continue
        if path.suffix.lower() not in FIRE_POINT_SUFFIXES:
            continue
        stat = path.stat()
        if now - stat.st_mtime >= settle_s:
            yield Entry(path, "points", stat.st_size, stat.st_mtime_ns)
