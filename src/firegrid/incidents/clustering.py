"""Cluster detections into incidents in space and time (pure numpy/scipy/shapely).

Two detections are linked (single linkage, as activefires-pp and FEDS do) when

* they are of one source kind, within the larger of their two radii and within the larger
  of their two time windows (0.8 km / 6 h for satellite points), or
* their **footprints** intersect (satellite pixel, camera bearing cone, drone box, GPS circle)
  and their times are within the window of their *pair* of source kinds (fusion across
  sources, ``pair_windows_s``).

Points of different ``group`` (the hazard) never link. Members of one existing incident are
linked already, so a new detection that reaches any member joins that incident; one that
reaches two open incidents makes them one (``Assignment.merges``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from firegrid import geo


@dataclass(frozen=True)
class ClusterPoints:
    """Points to cluster: WGS84 lon/lat, epoch seconds, link radius (m) and window (s).

    ``group`` (the hazard) keeps points of different groups apart (None: one group);
    ``kind`` (source-kind codes) and ``footprints`` enable fusion across kinds.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    t: NDArray[np.float64]
    radius_m: NDArray[np.float64]
    window_s: NDArray[np.float64]
    group: NDArray[np.int64] | None = None
    kind: NDArray[np.int64] | None = None
    footprints: list[BaseGeometry] | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.lon)

    def groups(self) -> NDArray[np.int64]:
        """The group of each point (zeros when none were given)."""
        return self.group if self.group is not None else np.zeros(len(self), np.int64)

    def kinds(self) -> NDArray[np.int64]:
        """The source-kind code of each point (zeros when none were given)."""
        return self.kind if self.kind is not None else np.zeros(len(self), np.int64)

    @classmethod
    def concat(cls, a: ClusterPoints, b: ClusterPoints) -> ClusterPoints:
        """``a`` followed by ``b``."""
        columns = [
            np.concatenate((x, y))
            for x, y in zip(
                (a.lon, a.lat, a.t, a.radius_m, a.window_s),
                (b.lon, b.lat, b.t, b.radius_m, b.window_s),
                strict=True,
            )
        ]
        group = (
            np.concatenate((a.groups(), b.groups())) if a.group is not None or b.group is not None else None
        )
        kind = np.concatenate((a.kinds(), b.kinds())) if a.kind is not None or b.kind is not None else None
        footprints = None
        if a.footprints is not None or b.footprints is not None:
            footprints = _or_points(a) + _or_points(b)
        return cls(columns[0], columns[1], columns[2], columns[3], columns[4], group, kind, footprints)


def _or_points(p: ClusterPoints) -> list[BaseGeometry]:
    return p.footprints if p.footprints is not None else list(shapely.points(p.lon, p.lat))


def _extent_m(points: ClusterPoints) -> NDArray[np.float64]:
    """How far each footprint reaches from its point (an upper bound, metres)."""
    if points.footprints is None:
        return np.zeros(len(points))
    bounds = shapely.bounds(np.asarray(points.footprints, dtype=object))
    dx = np.maximum(np.abs(bounds[:, 0] - points.lon), np.abs(bounds[:, 2] - points.lon))
    dy = np.maximum(np.abs(bounds[:, 1] - points.lat), np.abs(bounds[:, 3] - points.lat))
    metres_per_deg = geo.METRES_PER_DEGREE_LAT
    return np.asarray(
        np.hypot(dx * metres_per_deg * np.cos(np.radians(points.lat)), dy * metres_per_deg), np.float64
    )


def linked_pairs(
    points: ClusterPoints, pair_windows_s: NDArray[np.float64] | None = None
) -> NDArray[np.int64]:
    """Index pairs (k, 2) linked by the radius rule or by intersecting footprints."""
    if len(points) < 2:
        return np.empty((0, 2), dtype=np.int64)
    extent = _extent_m(points)
    reach = float(max(points.radius_m.max(), 2 * extent.max()))
    xyz = geo.unit_vectors(points.lon, points.lat) * geo.EARTH_RADIUS_M
    pairs = cKDTree(xyz).query_pairs(reach, output_type="ndarray")
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    dist = geo.distance_m(points.lon[i], points.lat[i], points.lon[j], points.lat[j])
    dt = np.abs(points.t[i] - points.t[j])
    kinds = points.kinds()
    same_kind = kinds[i] == kinds[j] if pair_windows_s is not None else np.ones(len(i), bool)
    close = same_kind & (dist <= np.maximum(points.radius_m[i], points.radius_m[j]))
    close &= dt <= np.maximum(points.window_s[i], points.window_s[j])
    if points.footprints is not None and pair_windows_s is not None:
        near = ~close & (dist <= extent[i] + extent[j]) & (dt <= pair_windows_s[kinds[i], kinds[j]])
        if near.any():
            shapes = np.asarray(points.footprints, dtype=object)
            touching = shapely.intersects(shapes[i[near]], shapes[j[near]])
            close[np.flatnonzero(near)[touching]] = True
    if points.group is not None:
        close &= points.group[i] == points.group[j]
    linked: NDArray[np.int64] = pairs[close].astype(np.int64)
    return linked


@dataclass(frozen=True)
class Assignment:
    """Per new point: the existing incident it joins (-1: none) or its new group (-1: none);
    and the existing incidents a new point connected (keep, [merged ...])."""

    incident: NDArray[np.int64]
    group: NDArray[np.int64]
    merges: list[tuple[int, list[int]]]


def assign(
    new: ClusterPoints,
    existing: ClusterPoints,
    existing_incident: NDArray[np.int64],
    pair_windows_s: NDArray[np.float64] | None = None,
) -> Assignment:
    """Cluster ``new`` points, joining (and merging) existing incidents where linked."""
    n_old = len(existing)
    points = ClusterPoints.concat(existing, new)
    sets = DisjointSet(range(len(points)))
    first_member: dict[int, int] = {}
    for k, incident in enumerate(existing_incident.tolist()):
        if incident in first_member:
            sets.merge(first_member[incident], k)
        else:
            first_member[incident] = k
    for i, j in linked_pairs(points, pair_windows_s).tolist():
        sets.merge(i, j)
    root_incidents: dict[int, set[int]] = {}
    for k, incident in enumerate(existing_incident.tolist()):
        root_incidents.setdefault(sets[k], set()).add(incident)
    incident = np.full(len(new), -1, dtype=np.int64)
    group = np.full(len(new), -1, dtype=np.int64)
    groups: dict[int, int] = {}
    merges: dict[int, list[int]] = {}
    for k in range(len(new)):
        root = sets[n_old + k]
        if root in root_incidents:
            found = sorted(root_incidents[root])
            incident[k] = found[0]
            if len(found) > 1:
                merges[found[0]] = found[1:]
        else:
            group[k] = groups.setdefault(root, len(groups))
    return Assignment(incident, group, sorted(merges.items()))


def assign_incidents(
    new: ClusterPoints, existing: ClusterPoints, existing_incident: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``assign`` without fusion windows: (incident, group) per new point."""
    result = assign(new, existing, existing_incident)
    return result.incident, result.group
