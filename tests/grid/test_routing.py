from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from firegrid import sample
from firegrid.grid.build import build_grid
from firegrid.grid.cells import GridTree
from firegrid.grid.routing import INSIDE, NEAREST, NONE, GridIndex
from firegrid.vector import read_vector
from tests.grid.helpers import feature, two_by_two, write


@pytest.fixture
def index(tmp_path: Path) -> GridIndex:
    tree, _ = build_grid(read_vector(two_by_two(tmp_path / "g.geojson")))
    return GridIndex(tree, buffer_m=500)


def test_point_goes_to_the_deepest_cell(index: GridIndex) -> None:
    routes = index.route([112.005, 112.015], [38.005, 38.015])
    assert index.code_of(routes) == ["T1V1", "T2V2"]
    assert list(routes.method) == [INSIDE, INSIDE]


def test_shared_border_goes_to_the_lowest_code_deterministically(index: GridIndex, tmp_path: Path) -> None:
    # on the corner shared by all four villages and on the T1/T2 border
    lon, lat = [112.01, 112.01, 112.005], [38.01, 38.005, 38.01]
    assert index.code_of(index.route(lon, lat)) == ["T1V1", "T1V1", "T1V1"]
    # same answer with the cells given in another order
    features = list(reversed(json.loads((tmp_path / "g.geojson").read_text())["features"]))
    tree, _ = build_grid(read_vector(write(tmp_path / "r.geojson", features)))
    assert GridIndex(tree).code_of(GridIndex(tree).route(lon, lat)) == ["T1V1", "T1V1", "T1V1"]


def test_outside_within_buffer_goes_to_the_nearest_cell(index: GridIndex) -> None:
    # 0.003 deg east of the county at 38 N is ~263 m; 0.01 deg is ~877 m
    routes = index.route([112.023, 112.03, 100.0], [38.015, 38.015, 10.0])
    assert index.code_of(routes) == ["T2V2", None, None]
    assert list(routes.method) == [NEAREST, NONE, NONE]
    assert routes.distance_m[0] == pytest.approx(0.003 * 111320 * np.cos(np.radians(38.015)), rel=0.01)


def test_point_in_a_gap_between_villages_goes_to_the_township(tmp_path: Path) -> None:
    s = 0.01
    path = write(
        tmp_path / "g.geojson",
        [
            feature("C", "county", None, box(112, 38, 112 + s, 38 + s)),
            feature("T", "township", "C", box(112, 38, 112 + s, 38 + s)),
            feature("TV1", "village", "T", box(112, 38, 112 + s / 2, 38 + s)),
        ],
    )
    tree, _ = build_grid(read_vector(path))
    index = GridIndex(tree)
    assert index.code_of(index.route([112.008], [38.005])) == ["T"]


def test_bulk_routing_matches_brute_force_on_the_sample_grid() -> None:
    tree, _ = build_grid(read_vector(sample.path(sample.GRID)))
    index = GridIndex(tree, buffer_m=0)
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = index.bounds
    lon, lat = rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)
    got = index.code_of(index.route(lon, lat))
    leaves = [c for c in tree if tree.is_leaf(c.code)]
    for i in range(len(lon)):
        p = shapely.Point(lon[i], lat[i])
        inside = sorted(c.code for c in leaves if c.geometry.contains(p))
        expected = inside[0] if inside else None
        if expected is None:  # a sliver or outside: brute force over every level
            hits = [c for c in tree if c.geometry.intersects(p)]
            expected = min(hits, key=lambda c: (-c.depth, c.code)).code if hits else None
        assert got[i] == expected


def test_empty_grid_and_no_points() -> None:
    empty = GridIndex(GridTree([]))
    assert list(empty.route([112.0], [38.0]).cell) == [-1]
    tree, _ = build_grid(read_vector(sample.path(sample.GRID)))
    assert len(GridIndex(tree).route([], []).cell) == 0
