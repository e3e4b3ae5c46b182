"""Open the phone's map app at an incident: WGS84 -> GCJ-02 for the Chinese apps, links per app.

GCJ-02 (国测局坐标, "Mars coordinates") is what AMap/Gaode and Tencent use and what Baidu's URIs accept
(``coord_type=gcj02``); in China it is WGS84 shifted by a few hundred metres. The transform is the public
one of googollee/eviltransform (Krasovsky 1940 ellipsoid); ``tests/test_navigation.py`` checks it against
that project's published reference points. Outside China the coordinates are left as they are.
``geo:`` URIs (RFC 5870) are WGS84, as Android apps and OsmAnd expect.
"""

from __future__ import annotations

import math
from urllib.parse import quote

A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
EE = 0.00669342162296594323  # its first eccentricity squared


def out_of_china(lat: float, lon: float) -> bool:
    """The rough box GCJ-02 applies in (the usual convention of every implementation)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift(x: float, y: float) -> tuple[float, float]:
    """The offsets (in the transform's units) at x = lon - 105, y = lat - 35."""
    waves = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    lat = waves + 20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)
    lon = waves + 20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)
    lat += 160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)
    lon += 150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)
    lat = lat * 2.0 / 3.0 - 100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    lon = lon * 2.0 / 3.0 + 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    return lat, lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in GCJ-02 of a WGS84 point (unchanged outside China)."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((A * (1 - EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180.0 / (A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def nav_links(lat: float, lon: float, name: str) -> dict[str, str]:
    """Links that open a map app at the point: AMap and Baidu (GCJ-02, converted here), ``geo:`` (WGS84)."""
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    label = quote(name, safe="")
    return {
        "amap": (
            f"https://uri.amap.com/marker?position={g_lon:.6f},{g_lat:.6f}&name={label}"
            "&coordinate=gaode&callnative=1&src=firegrid"
        ),
        "baidu": (
            f"https://api.map.baidu.com/marker?location={g_lat:.6f},{g_lon:.6f}&title={label}&content={label}"
            "&coord_type=gcj02&output=html&src=firegrid"
        ),
        "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({label})",
    }
