"""Geostationary L1 files in a watch folder, grouped into slots by the start time in their names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from firegrid.files import is_inside

_SLOT_NAMES = (  # reader, file-name pattern with the slot start, its time format
    ("ahi_hsd", re.compile(r"^HS_H\d\d_(\d{8}_\d{4})_B\d\d_\w+\.DAT(\.bz2)?$"), "%Y%m%d_%H%M"),
    (
        "agri_fy4b_l1",
        re.compile(
            r"^FY4B-_AGRI--_N_[A-Z]+_\d{4}[EW]_L1-_(?:FDI|GEO)-_MULT_[A-Z]+_(\d{14})_\d{14}_\w+\.HDF$"
        ),
        "%Y%m%d%H%M%S",
    ),
    ("abi_l1b", re.compile(r"^OR_ABI-L1b-Rad\w*-M\dC\d\d_G\d\d_s(\d{13})\d_e\d+_c\d+\.nc$"), "%Y%j%H%M%S"),
)


@dataclass(frozen=True)
class SlotFiles:
    """The files of one slot of one sensor."""

    reader: str
    start: datetime
    paths: tuple[Path, ...]
    newest_mtime_ns: int

    @property
    def key(self) -> str:
        """What the source remembers: the slot and the version of its file set."""
        return f"{self.reader}:{self.start:%Y%m%dT%H%M%S}:{len(self.paths)}:{self.newest_mtime_ns}"


def slot_of(path: Path) -> tuple[str, datetime] | None:
    """(reader, slot start) of a geostationary L1 file name, or None."""
    for reader, pattern, fmt in _SLOT_NAMES:
        match = pattern.match(path.name)
        if match:
            return reader, datetime.strptime(match.group(1), fmt).replace(tzinfo=UTC)
    return None


def ready_slots(
    folder: Path, settle_s: float, now: float, roots: Sequence[Path] | None = None
) -> Iterator[SlotFiles]:
    """Slots whose files have all been left alone for ``settle_s`` seconds, oldest first; with
    ``roots``, files that are links leading out of them are skipped."""
    groups: dict[tuple[str, datetime], list[Path]] = {}
    for path in folder.iterdir():
        if roots is not None and not is_inside(path.resolve(), roots):
            continue
        found = slot_of(path) if path.is_file() else None
        if found is not None:
            groups.setdefault(found, []).append(path)
    for (reader, start), paths in sorted(groups.items(), key=lambda item: item[0][1]):
        mtimes = [p.stat().st_mtime_ns for p in paths]
        if now - max(mtimes) / 1e9 >= settle_s:
            yield SlotFiles(reader, start, tuple(sorted(paths)), max(mtimes))
