from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Polygon

from firegrid.grid.partition import partition


def test_parts_tile_the_polygon() -> None:
    poly = Polygon(
        [(112, 38), (112.5, 38), (112.5, 38.2), (112.2, 38.2), (112.2, 38.5), (112, 38.5)]
    )  # L shape
    parts = partition(poly, 7, seed=1)
    assert len(parts) == 7
    assert sum(p.area for p in parts) == pytest.approx(poly.area, rel=1e-9)
    union = shapely.union_all(parts)
    assert union.symmetric_difference(poly).area < 1e-12
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            assert a.intersection(b).area < 1e-12
    assert partition(poly, 7, seed=1)[3].equals(parts[3])  # deterministic
