"""Which cell owns a footprint: the deepest one covering all of it."""

from __future__ import annotations

from pathlib import Path

import shapely

from firegrid import geo
from firegrid.grid.build import build_grid
from firegrid.grid.cells import GridTree
from firegrid.grid.ownership import DEPLOYMENT, distance_to_cell_m, max_extent_m, owner_path, point_owner
from firegrid.vector import read_vector
from tests.grid.helpers import two_by_two


def _tree(tmp_path: Path) -> GridTree:
    tree, _ = build_grid(read_vector(two_by_two(tmp_path / "g.geojson")))
    return tree


def test_the_deepest_cell_covering_the_whole_footprint(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    assert point_owner(tree, 112.003, 38.003) == "C/T1/T1V1"
    assert owner_path(tree, geo.circle(112.003, 38.003, 100)) == "C/T1/T1V1"
    assert owner_path(tree, geo.circle(112.005, 38.01, 300)) == "C/T1"  # across two villages
    assert owner_path(tree, geo.circle(112.01, 38.01, 300)) == "C"  # across the townships
    assert owner_path(tree, geo.circle(112.01, 38.01, 5000)) == DEPLOYMENT  # larger than the county
    assert point_owner(tree, 113.0, 39.0) == DEPLOYMENT
    assert point_owner(tree, 112.01, 38.003) == "C/T1/T1V1"  # on a shared border: the lowest code


def test_distances_and_extents(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    assert distance_to_cell_m(tree, "T1V1", 112.003, 38.003) == 0
    assert 800 < distance_to_cell_m(tree, "T2V2", 112.003, 38.003) < 1200
    assert abs(max_extent_m(geo.circle(112.0, 38.0, 2000)) - 2000) < 20
    assert max_extent_m(shapely.Point(112, 38)) == 0
