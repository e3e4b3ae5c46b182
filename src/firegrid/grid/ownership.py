"""Which grid node a thing belongs to: the deepest cell that covers all of it.

A registry entry (a heat source's circle, a site's polygon, a camera's position) belongs to the
deepest cell whose polygon covers its whole geometry; a footprint across two counties belongs to
their city, one outside every cell to nobody ("", the deployment). Pure: the tree and a WGS84
geometry in, a materialised path out.
"""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from firegrid import geo
from firegrid.grid.cells import GridTree

DEPLOYMENT = ""  # the owner of what no cell covers: only an unrestricted principal (admin) sees it


def owner_path(tree: GridTree, geometry: BaseGeometry) -> str:
    """The path of the deepest cell covering ``geometry`` (the lowest code on shared borders)."""
    path, candidates = DEPLOYMENT, tree.children(None)
    while candidates:
        hit = next((c for c in candidates if c.geometry.covers(geometry)), None)
        if hit is None:
            break
        path, candidates = tree.path(hit.code), tree.children(hit.code)
    return path


def point_owner(tree: GridTree, lon: float, lat: float) -> str:
    """The path of the deepest cell holding a point."""
    return owner_path(tree, shapely.Point(lon, lat))


def distance_to_cell_m(tree: GridTree, code: str, lon: float, lat: float) -> float:
    """Geodesic-ish distance (m) from a point to a cell's polygon (0 inside)."""
    return geo.distance_to_geometry_m(lon, lat, tree[code].geometry)


def max_extent_m(geometry: BaseGeometry) -> float:
    """The largest distance (m) from the geometry's centroid to its boundary vertices."""
    centre = geometry.centroid
    coords = shapely.get_coordinates(geometry.boundary if geometry.area else geometry)
    if not len(coords):
        return 0.0
    return float(geo.distance_m(centre.x, centre.y, coords[:, 0], coords[:, 1]).max())
