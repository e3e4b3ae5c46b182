"""Split a polygon into ``n`` compact parts (k-means seeds + Voronoi, clipped).

Used to build sample grids when no official township/village polygons exist. The
parts tile the polygon exactly: every part is the intersection of one Voronoi cell
with the polygon.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.cluster.vq import kmeans2
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry


def random_points_in(polygon: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` uniform random points inside ``polygon`` (rejection sampling), shape (count, 2)."""
    x0, y0, x1, y1 = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        xy = rng.uniform((x0, y0), (x1, y1), size=(count * 2, 2))
        inside = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.concatenate(found)[:count]


def partition(polygon: BaseGeometry, n: int, seed: int) -> list[BaseGeometry]:
    """``n`` parts of ``polygon`` ordered west to east, north to south in rows."""
    if n <= 1:
        return [polygon]
    rng = np.random.default_rng(seed)
    points = random_points_in(polygon, max(400, 150 * n), rng)
    scale = np.cos(np.radians(points[:, 1].mean()))  # roughly equal-distance axes
    metric = points * (scale, 1.0)
    centres, _ = kmeans2(metric, n, seed=rng, minit="++", iter=25)
    centres = centres / (scale, 1.0)
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=polygon.envelope.buffer(1.0))
    parts = [cell.intersection(polygon) for cell in shapely.get_parts(cells)]
    parts = [p for p in parts if not p.is_empty and p.area > 0]
    row_height = (polygon.bounds[3] - polygon.bounds[1]) / max(1, round(np.sqrt(n)))
    parts.sort(key=lambda p: (-(p.centroid.y // row_height), p.centroid.x))
    return parts
