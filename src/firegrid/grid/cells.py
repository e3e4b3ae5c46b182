"""Grid cells and the tree they form. Geometries are WGS84 (multi)polygons."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from firegrid.types import WGS84

LEVELS = ("city", "county", "township", "village", "plot")
LEVEL_ALIASES = {
    "city": "city",
    "prefecture": "city",
    "市": "city",
    "地市": "city",
    "county": "county",
    "district": "county",
    "县": "county",
    "区": "county",
    "区县": "county",
    "township": "township",
    "town": "township",
    "乡镇": "township",
    "镇": "township",
    "乡": "township",
    "街道": "township",
    "village": "village",
    "村": "village",
    "社区": "village",
    "行政村": "village",
    "plot": "plot",
    "group": "plot",
    "组": "plot",
    "网格": "plot",
    "田块": "plot",
}
PATH_SEPARATOR = "/"


def normalise_level(value: Any) -> str | None:
    """A level name from English / Chinese aliases or a 0-based number; None if unknown."""
    if isinstance(value, int | float) and 0 <= int(value) < len(LEVELS):
        return LEVELS[int(value)]
    text = str(value or "").strip().lower()
    if text.isdigit() and int(text) < len(LEVELS):
        return LEVELS[int(text)]
    return LEVEL_ALIASES.get(text)


@dataclass(frozen=True)
class GridCell:
    """One cell of the grid tree."""

    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: BaseGeometry
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        """0 for a city, 1 for a county, ... (the level's rank)."""
        return LEVELS.index(self.level)


class GridTree:
    """Cells keyed by code, with parent/child navigation and materialised paths."""

    crs = WGS84

    def __init__(self, cells: list[GridCell]) -> None:
        self.cells: dict[str, GridCell] = {c.code: c for c in sorted(cells, key=lambda c: c.code)}
        self._children: dict[str | None, list[str]] = {}
        for cell in self.cells.values():
            parent = cell.parent_code if cell.parent_code in self.cells else None
            self._children.setdefault(parent, []).append(cell.code)
        self._paths: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.cells)

    def __iter__(self) -> Iterator[GridCell]:
        return iter(self.cells.values())

    def __getitem__(self, code: str) -> GridCell:
        return self.cells[code]

    def __contains__(self, code: object) -> bool:
        return code in self.cells

    def children(self, code: str | None) -> list[GridCell]:
        """Direct children of a cell (``None``: the roots)."""
        return [self.cells[c] for c in self._children.get(code, [])]

    def is_leaf(self, code: str) -> bool:
        """True for a cell without children."""
        return not self._children.get(code)

    def ancestors(self, code: str) -> list[GridCell]:
        """The cell and its ancestors, root first."""
        chain: list[GridCell] = []
        current: str | None = code
        while current is not None and current in self.cells:
            cell = self.cells[current]
            chain.append(cell)
            current = cell.parent_code
        return chain[::-1]

    def path(self, code: str) -> str:
        """Materialised path "root/.../code", used for subtree queries (prefix match)."""
        if code not in self._paths:
            self._paths[code] = PATH_SEPARATOR.join(c.code for c in self.ancestors(code))
        return self._paths[code]
