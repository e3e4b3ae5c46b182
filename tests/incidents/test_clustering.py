from __future__ import annotations

import numpy as np

from firegrid.config import ClusterRule
from firegrid.incidents.clustering import ClusterPoints, assign_incidents

H = 3600.0
DEG_800M = 800 / 111_320  # latitude degrees


def points(
    lat_offsets_m: list[float], hours: list[float], radius: float = 800.0, window_h: float = 6.0
) -> ClusterPoints:
    n = len(hours)
    return ClusterPoints(
        lon=np.full(n, 112.5),
        lat=38.5 + np.array(lat_offsets_m) / 111_320,
        t=np.array(hours) * H,
        radius_m=np.full(n, radius),
        window_s=np.full(n, window_h * H),
    )


def empty() -> ClusterPoints:
    return ClusterPoints(*(np.empty(0) for _ in range(5)))


def test_close_in_space_and_time_is_one_incident() -> None:
    incident, group = assign_incidents(
        points([0, 500, 1200], [0, 1, 2]), empty(), np.empty(0, dtype=np.int64)
    )
    assert list(incident) == [-1, -1, -1]
    assert list(group) == [0, 0, 0]  # 0-500 m and 500-1200 m chain together


def test_far_apart_or_late_is_separate() -> None:
    _, group = assign_incidents(points([0, 900, 0], [0, 0, 7]), empty(), np.empty(0, dtype=np.int64))
    assert len(set(group.tolist())) == 3


def test_new_detection_joins_the_open_incident_it_reaches() -> None:
    existing = points([0, 300], [0, 0.5])
    incident, group = assign_incidents(points([700, 5000], [3, 3]), existing, np.array([42, 42]))
    assert list(incident) == [42, -1]
    assert list(group) == [-1, 0]


def test_reaching_two_incidents_picks_the_lowest_id() -> None:
    existing = points([0, 1400], [0, 0])
    incident, _ = assign_incidents(points([700], [1]), existing, np.array([9, 5]))
    assert list(incident) == [5]


def test_pixel_size_scales_the_radius() -> None:
    rule = ClusterRule(radius_m=800, window_h=6, pixel_scale=1.5)
    assert rule.radius_for(375) == 800
    assert rule.radius_for(1000) == 1500
    assert rule.radius_for(float("nan")) == 800
    pts = points([0, 1400], [0, 0], radius=rule.radius_for(1000))
    _, group = assign_incidents(pts, empty(), np.empty(0, dtype=np.int64))
    assert list(group) == [0, 0]
