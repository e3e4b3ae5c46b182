"""Cluster detections into incidents in space and time (pure numpy/scipy).

Two detections are linked when their geodesic distance is within the larger of their
two radii and their times are within the larger of their two windows (single linkage,
as activefires-pp and FEDS do). Members of one existing incident are linked already, so
a new detection that reaches any member joins that incident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree

from firegrid import geo


@dataclass(frozen=True)
class ClusterPoints:
    """Points to cluster: WGS84 lon/lat, epoch seconds, link radius (m) and window (s).

    ``group`` (e.g. the hazard: fire, dust) keeps points of different groups apart; None
    puts every point in one group.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    t: NDArray[np.float64]
    radius_m: NDArray[np.float64]
    window_s: NDArray[np.float64]
    group: NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.lon)

    def groups(self) -> NDArray[np.int64]:
        """The group of each point (zeros when none were given)."""
        return self.group if self.group is not None else np.zeros(len(self), np.int64)

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
        group = None
        if a.group is not None or b.group is not None:
            group = np.concatenate((a.groups(), b.groups()))
        return cls(columns[0], columns[1], columns[2], columns[3], columns[4], group)


def linked_pairs(points: ClusterPoints) -> NDArray[np.int64]:
    """Index pairs (k, 2) that are within both distance and time of each other."""
    if len(points) < 2:
        return np.empty((0, 2), dtype=np.int64)
    xyz = geo.unit_vectors(points.lon, points.lat) * geo.EARTH_RADIUS_M
    pairs = cKDTree(xyz).query_pairs(float(points.radius_m.max()), output_type="ndarray")
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    dist = geo.distance_m(points.lon[i], points.lat[i], points.lon[j], points.lat[j])
    close = dist <= np.maximum(points.radius_m[i], points.radius_m[j])
    close &= np.abs(points.t[i] - points.t[j]) <= np.maximum(points.window_s[i], points.window_s[j])
    if points.group is not None:
        close &= points.group[i] == points.group[j]
    linked: NDArray[np.int64] = pairs[close].astype(np.int64)
    return linked


def assign_incidents(
    new: ClusterPoints, existing: ClusterPoints, existing_incident: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Cluster ``new`` points, joining existing incidents where linked.

    Returns ``(incident, group)`` per new point: ``incident`` is the id of the existing
    incident it joins (lowest id if it reaches several) or -1; ``group`` numbers the new
    incidents 0..k-1 for points that join none (-1 otherwise).
    """
    n_old = len(existing)
    points = ClusterPoints.concat(existing, new)
    sets = DisjointSet(range(len(points)))
    first_member: dict[int, int] = {}
    for k, incident in enumerate(existing_incident.tolist()):
        if incident in first_member:
            sets.merge(first_member[incident], k)
        else:
            first_member[incident] = k
    for i, j in linked_pairs(points).tolist():
        sets.merge(i, j)
    root_incident: dict[int, int] = {}
    for k, incident in enumerate(existing_incident.tolist()):
        root = sets[k]
        root_incident[root] = min(incident, root_incident.get(root, incident))
    incident = np.full(len(new), -1, dtype=np.int64)
    group = np.full(len(new), -1, dtype=np.int64)
    groups: dict[int, int] = {}
    for k in range(len(new)):
        root = sets[n_old + k]
        if root in root_incident:
            incident[k] = root_incident[root]
        else:
            group[k] = groups.setdefault(root, len(groups))
    return incident, group
