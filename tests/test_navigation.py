"""WGS84 -> GCJ-02 against the published reference points of googollee/eviltransform, and the links
that open the phone's map app."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from firegrid import geo
from firegrid.navigation import nav_links, out_of_china, wgs84_to_gcj02

# (WGS84 lat, lon, GCJ-02 lat, lon): eviltransform's test points (python/test.py), Shanghai, Shenzhen, Beijing
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("lat", "lon", "g_lat", "g_lon"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference(lat: float, lon: float, g_lat: float, g_lon: float) -> None:
    got = wgs84_to_gcj02(lat, lon)
    assert got == pytest.approx((g_lat, g_lon), abs=1e-8)
    shift = float(geo.distance_m(lon, lat, got[1], got[0]))
    assert 100 < shift < 1000  # the offset people notice: hundreds of metres


def test_outside_china_nothing_moves() -> None:
    assert out_of_china(51.5, -0.12) and wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert not out_of_china(38.4, 112.7)


def test_links_give_each_app_the_coordinates_it_expects() -> None:
    lat, lon = 38.79338, 112.87209
    links = nav_links(lat, lon, "疑似火点 #1")
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    amap = parse_qs(urlsplit(links["amap"]).query)
    assert amap["position"] == [f"{g_lon:.6f},{g_lat:.6f}"] and amap["coordinate"] == ["gaode"]
    assert amap["name"] == ["疑似火点 #1"]
    baidu = parse_qs(urlsplit(links["baidu"]).query)
    assert baidu["location"] == [f"{g_lat:.6f},{g_lon:.6f}"] and baidu["coord_type"] == ["gcj02"]
    assert links["geo"].startswith(f"geo:{lat:.6f},{lon:.6f}?")  # RFC 5870: WGS84 as measured
