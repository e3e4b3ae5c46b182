"""Route points to the deepest grid cell that holds them, in bulk.

One ``GridIndex`` per grid version: shapely STRtrees over the leaf cells and over
all cells, built once and reused. Rules:

* inside cells: the deepest cell; on a shared border the lowest code wins (cells are
  indexed in code order, so this is deterministic);
* outside every cell but within ``buffer_m`` (geodesic) of one: the nearest cell;
* otherwise unrouted (index -1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from firegrid import geo
from firegrid.grid.cells import GridCell, GridTree
from firegrid.types import WGS84

NONE, INSIDE, NEAREST = 0, 1, 2
METHOD_NAMES = {NONE: "unrouted", INSIDE: "inside", NEAREST: "nearest"}


@dataclass(frozen=True)
class Routes:
    """Per point: cell index into ``GridIndex.cells`` (-1: unrouted), method, distance in m."""

    cell: NDArray[np.int64]
    method: NDArray[np.int8]
    distance_m: NDArray[np.float64]


class GridIndex:
    """Spatial index over one grid version."""

    crs = WGS84

    def __init__(self, tree: GridTree, buffer_m: float = 500.0) -> None:
        self.tree = tree
        self.buffer_m = buffer_m
        self.cells: list[GridCell] = list(tree)  # sorted by code
        self.codes = np.array([c.code for c in self.cells], dtype=object)
        self.depth = np.array([c.depth for c in self.cells], dtype=np.int64)
        geoms = np.array([c.geometry for c in self.cells], dtype=object)
        shapely.prepare(geoms)
        self._geoms = geoms
        self._all = shapely.STRtree(geoms)
        leaf = np.array([tree.is_leaf(c.code) for c in self.cells], dtype=bool)
        self._leaf_ids = np.flatnonzero(leaf)
        self._leaves = shapely.STRtree(geoms[self._leaf_ids])
        self.bounds = tuple(shapely.total_bounds(geoms)) if len(geoms) else (0.0, 0.0, 0.0, 0.0)
        roots = [c.geometry for c in tree.children(None)]
        self._coverage = shapely.union_all(roots) if roots else shapely.Polygon()
        reach = float(geo.degrees_for_metres(buffer_m, max(abs(self.bounds[1]), abs(self.bounds[3]))))
        self._reach_deg = reach
        self._near = self._coverage.buffer(reach) if buffer_m > 0 else self._coverage
        shapely.prepare(self._coverage)
        shapely.prepare(self._near)

    def __len__(self) -> int:
        return len(self.cells)

    def route(self, lon: ArrayLike, lat: ArrayLike) -> Routes:
        """Route many points at once."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        n = len(lon)
        cell = np.full(n, -1, dtype=np.int64)
        method = np.zeros(n, dtype=np.int8)
        distance = np.full(n, np.nan)
        if n == 0 or len(self) == 0:
            return Routes(cell, method, distance)
        points = shapely.points(lon, lat)
        self._route_inside_leaves(points, cell)
        rest = np.flatnonzero(cell < 0)
        rest = rest[shapely.intersects_xy(self._near, lon[rest], lat[rest])]  # skip far-away points
        if len(rest):
            self._route_inside_any(points, rest, cell)
        method[cell >= 0] = INSIDE
        distance[cell >= 0] = 0.0
        rest = rest[cell[rest] < 0]
        if len(rest) and self.buffer_m > 0:
            self._route_nearest(points, rest, cell, method, distance)
        return Routes(cell, method, distance)

    def _route_inside_leaves(self, points: NDArray[np.object_], cell: NDArray[np.int64]) -> None:
        pt, leaf = self._leaves.query(points, predicate="intersects")
        if len(pt):
            best = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, pt, self._leaf_ids[leaf])
            hit = best != np.iinfo(np.int64).max
            cell[hit] = best[hit]

    def _route_inside_any(
        self, points: NDArray[np.object_], rest: NDArray[np.int64], cell: NDArray[np.int64]
    ) -> None:
        pt, idx = self._all.query(points[rest], predicate="intersects")
        if not len(pt):
            return
        n_cells = len(self.cells)
        key = (self.depth.max() - self.depth[idx]) * n_cells + idx  # deepest first, then lowest code
        best = np.full(len(rest), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, pt, key)
        hit = best != np.iinfo(np.int64).max
        cell[rest[hit]] = best[hit] % n_cells

    def _route_nearest(
        self,
        points: NDArray[np.object_],
        rest: NDArray[np.int64],
        cell: NDArray[np.int64],
        method: NDArray[np.int8],
        distance: NDArray[np.float64],
    ) -> None:
        pt, idx = self._all.query(points[rest], predicate="dwithin", distance=self._reach_deg)
        if not len(pt):
            return
        lines = shapely.shortest_line(points[rest[pt]], self._geoms[idx])
        start = shapely.get_point(lines, 0)
        end = shapely.get_point(lines, 1)
        d = geo.distance_m(shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end))
        ok = d <= self.buffer_m
        pt, idx, d = pt[ok], idx[ok], d[ok]
        # nearest first, then deepest, then lowest code
        order = np.lexsort((idx, -self.depth[idx], np.round(d, 3), pt))
        first = order[np.unique(pt[order], return_index=True)[1]]
        target = rest[pt[first]]
        cell[target], method[target], distance[target] = idx[first], NEAREST, d[first]

    def code_of(self, routes: Routes) -> list[str | None]:
        """Cell codes for routed points (None when unrouted)."""
        return [str(self.codes[i]) if i >= 0 else None for i in routes.cell]
