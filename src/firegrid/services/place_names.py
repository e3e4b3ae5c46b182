"""Bulletin rows whose reported county/township names disagree with where their coordinates fall."""

from __future__ import annotations

from firegrid.detect.detections import Detections
from firegrid.grid.routing import Routes
from firegrid.services.grid import ActiveGrid


def disagreements(
    detections: Detections, routes: Routes | None, grid: ActiveGrid | None, label: str
) -> list[str]:
    """Bulletin rows whose reported county/township differ from where the coordinates fall."""
    if grid is None or routes is None:
        return []
    notes = []
    for i, attrs in enumerate(detections.attrs):
        reported = [attrs.get("reported_county") or "", attrs.get("reported_township") or ""]
        if not any(reported) or routes.cell[i] < 0:
            continue
        names = [c.name for c in grid.tree.ancestors(str(grid.index.codes[routes.cell[i]]))]
        for text in filter(None, reported):
            if not any(_same_place(text, name) for name in names):
                notes.append(
                    f"{label} line {int(detections.source_row[i])}: the file says {text!r}, "
                    f"the coordinates fall in {' / '.join(names)}"
                )
    return notes


_SUFFIXES = ("街道", "自治县", "县", "区", "市", "镇", "乡", "村")


def _same_place(a: str, b: str) -> bool:
    def core(s: str) -> str:
        s = s.strip()
        for suffix in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                return s[: -len(suffix)]
        return s

    return core(a) == core(b) or core(a) in b
