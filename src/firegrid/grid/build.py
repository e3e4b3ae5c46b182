"""Turn a vector layer into a validated ``GridTree`` and a report of what was wrong.

Invalid polygons are repaired with ``make_valid`` (and reported); features that cannot
be used (no code, duplicate code, no polygon, unknown level, missing parent, parent not
above the child) are rejected, naming the feature. Overlaps and gaps between siblings
are measured geodesically and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from firegrid import geo
from firegrid.grid.cells import LEVELS, PATH_SEPARATOR, GridCell, GridTree, normalise_level
from firegrid.vector import Feature, VectorLayer

FIELD_CANDIDATES = {
    "code": ("code", "adcode", "gb", "cell_code", "id", "编码", "代码"),
    "name": ("name", "cell_name", "名称", "名字"),
    "level": ("level", "grid_level", "层级", "级别"),
    "parent": ("parent_code", "parent", "parent_id", "上级编码", "上级代码"),
}


@dataclass(frozen=True)
class FieldMap:
    """Which property holds the code, name, level and parent code (None: try the usual names)."""

    code: str | None = None
    name: str | None = None
    level: str | None = None
    parent: str | None = None

    def get(self, props: dict[str, Any], key: str) -> Any:
        """The value of one of our fields in a feature's properties."""
        explicit = getattr(self, key)
        if explicit is not None:
            return props.get(explicit)
        lowered = {str(k).lower(): v for k, v in props.items()}
        for candidate in FIELD_CANDIDATES[key]:
            if candidate in lowered:
                return lowered[candidate]
        return None


@dataclass
class GridReport:
    """What validation found; ``rejected`` blocks a strict import, the rest are warnings."""

    repaired: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    outside_parent: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "repaired": self.repaired,
            "rejected": self.rejected,
            "overlaps": self.overlaps,
            "gaps": self.gaps,
            "outside_parent": self.outside_parent,
        }


def build_grid(
    layer: VectorLayer, fields: FieldMap | None = None, min_area_m2: float = 100.0
) -> tuple[GridTree, GridReport]:
    """Validate features into a tree; overlaps/gaps below ``min_area_m2`` are ignored."""
    fields = fields or FieldMap()
    report = GridReport()
    candidates = _cells_from_features(layer.features, fields, report)
    cells = _check_parents(candidates, report)
    tree = GridTree(cells)
    _measure_siblings(tree, report, min_area_m2)
    return tree, report


def _label(feature: Feature, code: str) -> str:
    return f"feature #{feature.index}" + (f" (code {code})" if code else "")


def _cells_from_features(features: list[Feature], fields: FieldMap, report: GridReport) -> list[GridCell]:
    cells: dict[str, GridCell] = {}
    for feature in features:
        code = str(fields.get(feature.properties, "code") or "").strip()
        label = _label(feature, code)
        problem = _feature_problem(feature, fields, code, cells)
        if problem:
            report.rejected.append(f"{label}: {problem}")
            continue
        geometry = _polygonal(feature.geometry)
        if geometry is None:
            report.rejected.append(f"{label}: no polygon left after repair")
            continue
        if not feature.geometry.is_valid:  # type: ignore[union-attr]
            reason = shapely.is_valid_reason(feature.geometry)
            report.repaired.append(f"{label}: repaired invalid polygon ({reason})")
        parent = str(fields.get(feature.properties, "parent") or "").strip() or None
        cells[code] = GridCell(
            code=code,
            name=str(fields.get(feature.properties, "name") or code),
            level=normalise_level(fields.get(feature.properties, "level")) or "",
            parent_code=parent,
            geometry=geometry,
            attrs={k: v for k, v in feature.properties.items() if _is_json_scalar(v)},
        )
    return list(cells.values())


def _feature_problem(feature: Feature, fields: FieldMap, code: str, seen: dict[str, GridCell]) -> str | None:
    if not code:
        return "no code"
    if PATH_SEPARATOR in code:
        return f"code must not contain {PATH_SEPARATOR!r}"
    if code in seen:
        return "duplicate code"
    if feature.geometry is None or feature.geometry.is_empty:
        return "no geometry"
    if normalise_level(fields.get(feature.properties, "level")) is None:
        return (
            f"unknown level {fields.get(feature.properties, 'level')!r} (expected one of {', '.join(LEVELS)})"
        )
    return None


def _polygonal(geometry: BaseGeometry | None) -> BaseGeometry | None:
    if geometry is None:
        return None
    fixed = geometry if geometry.is_valid else shapely.make_valid(geometry)
    polygons = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None
    merged = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
    return None if merged.is_empty or merged.area == 0 else merged


def _check_parents(cells: list[GridCell], report: GridReport) -> list[GridCell]:
    by_code = {c.code: c for c in cells}
    kept: dict[str, GridCell] = {}
    for cell in sorted(cells, key=lambda c: LEVELS.index(c.level)):
        if cell.parent_code is None:
            kept[cell.code] = cell
            continue
        parent = by_code.get(cell.parent_code)
        if parent is None:
            report.rejected.append(f"code {cell.code}: parent {cell.parent_code} does not exist")
        elif parent.depth >= cell.depth:
            report.rejected.append(
                f"code {cell.code}: parent {parent.code} is a {parent.level}, not above {cell.level}"
            )
        elif parent.code not in kept:
            report.rejected.append(f"code {cell.code}: parent {parent.code} was rejected")
        else:
            kept[cell.code] = cell
    return list(kept.values())


def _measure_siblings(tree: GridTree, report: GridReport, min_area_m2: float) -> None:
    parents: list[str | None] = [None, *tree.cells]
    for parent in parents:
        children = tree.children(parent)
        if len(children) > 1:
            _overlaps(children, report, min_area_m2)
        if parent is not None and children:
            _gaps(tree[parent], children, report, min_area_m2)


def _overlaps(children: list[GridCell], report: GridReport, min_area_m2: float) -> None:
    geoms = [c.geometry for c in children]
    index = shapely.STRtree(geoms)
    left, right = index.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        area = _significant_area(geoms[i].intersection(geoms[j]))
        if area >= min_area_m2:
            report.overlaps.append({"a": children[i].code, "b": children[j].code, "area_m2": round(area, 1)})


def _gaps(parent: GridCell, children: list[GridCell], report: GridReport, min_area_m2: float) -> None:
    union = shapely.union_all([c.geometry for c in children])
    gap = parent.geometry.difference(union)
    area = _significant_area(gap)
    if area >= min_area_m2:
        point = gap.representative_point()
        report.gaps.append(
            {
                "parent": parent.code,
                "area_m2": round(area, 1),
                "lon": round(point.x, 6),
                "lat": round(point.y, 6),
            }
        )
    area = _significant_area(union.difference(parent.geometry))
    if area >= min_area_m2:
        report.outside_parent.append({"parent": parent.code, "area_m2": round(area, 1)})


SLIVER_DEG = 1e-5  # ~1 m: thinner pieces are coordinate-precision slivers, not real gaps


def _significant_area(geometry: BaseGeometry) -> float:
    """Geodesic area of the polygon parts that are more than a sliver wide."""
    if geometry.is_empty or geometry.area == 0:
        return 0.0
    parts = [p for p in shapely.get_parts(geometry) if p.area > 0 and not p.buffer(-SLIVER_DEG).is_empty]
    return sum(geo.area_m2(p) for p in parts)


def _is_json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
