"""Build the Xinzhou sample data committed under src/firegrid/sample/ from ../shared/data.

* ``xinzhou_sample_grid.geojson``: the 14 real county polygons (WGS84) and the 173 real
  township names, with township and village polygons that are a GENERATED partition of
  each county (k-means + Voronoi). A sample to be replaced by the official grid.
* ``xinzhou_heat_sources.geojson``: thermal power plants (WRI GPPD) and steel plants
  (GEM GSPT) in and around Xinzhou as points with a suppression radius.
* ``synthetic_firms_xinzhou.csv``: SYNTHETIC fire points in FIRMS VIIRS CSV layout placed
  in sample villages, on a power plant, just outside the border and far away, so the demo
  shows routing, clustering, suppression and unrouted points.

Usage: python scripts/build_sample_data.py [--shared ../shared/data] [--out data/sample]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import mapping

from firegrid.grid.partition import partition, random_points_in
from firegrid.suppress.heat_sources import read_heat_sources
from firegrid.vector import read_vector

SEED = 20241101
CITY = ("140900", "忻州市")
VILLAGES_PER_TOWNSHIP = (5, 9)
# 五台山风景名胜区 (140971) is a county-level unit with no public polygon; its three
# townships lie inside 五台县, so the sample places them there.
COUNTY_OF_AREA = {"140971": "140922"}
NOTE = "SAMPLE: generated partition of the real county polygon; replace with the official grid"


def _feature(
    code: str, name: str, level: str, parent: str | None, geometry: shapely.Geometry, **extra: object
) -> dict:
    geometry = shapely.set_precision(geometry, 1e-6)
    props = {"code": code, "name": name, "level": level, "parent_code": parent, **extra}
    return {"type": "Feature", "properties": props, "geometry": mapping(geometry)}


def build_grid(shared: Path) -> dict:
    counties = read_vector(shared / "admin" / "xinzhou_counties_tianditu_wgs84.geojson").features
    with (shared / "admin" / "xinzhou_townships_modood.csv").open(encoding="utf-8") as f:
        townships = list(csv.DictReader(f))
    rng = np.random.default_rng(SEED)
    city_geom = shapely.union_all([c.geometry for c in counties])
    features = [_feature(CITY[0], CITY[1], "city", None, city_geom, sample=False)]
    for county in sorted(counties, key=lambda c: str(c.properties["district_adcode"])):
        code = str(county.properties["district_adcode"])
        features.append(
            _feature(
                code, county.properties["district_name"], "county", CITY[0], county.geometry, sample=False
            )
        )
        names = sorted(
            (t for t in townships if COUNTY_OF_AREA.get(t["areaCode"], t["areaCode"]) == code),
            key=lambda t: t["code"],
        )
        parts = partition(county.geometry, len(names), seed=int(code))
        for town, town_geom in zip(names, parts, strict=True):
            features.append(
                _feature(town["code"], town["name"], "township", code, town_geom, sample=True, note=NOTE)
            )
            n_villages = int(rng.integers(*VILLAGES_PER_TOWNSHIP, endpoint=True))
            for k, village in enumerate(partition(town_geom, n_villages, seed=int(town["code"])), start=1):
                features.append(
                    _feature(
                        f"{town['code']}{k:03d}",
                        f"{town['name']}样例村{k:02d}",
                        "village",
                        town["code"],
                        village,
                        sample=True,
                        note=NOTE,
                    )
                )
    return {"type": "FeatureCollection", "name": "xinzhou_sample_grid", "features": features}


def build_heat_sources(shared: Path, grid: dict) -> dict:
    city = shapely.from_geojson(json.dumps(grid["features"][0]["geometry"])).buffer(0.3)
    features = []
    for filename, radius in (
        ("gppd_wri_china_shanxi_and_xinzhou_surroundings.csv", 1000.0),
        ("gem_gspt_shanxi_steel_plants.csv", 1500.0),
    ):
        sources, _ = read_heat_sources(shared / "heat_sources" / filename, default_radius_m=radius)
        for s in sources:
            if city.contains(shapely.Point(s.lon, s.lat)):
                kind = "steel" if "steel" in filename else f"power_plant:{s.kind.lower()}"
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "id": s.external_id,
                            "name": s.name,
                            "kind": kind,
                            "radius_m": radius,
                            "source": filename,
                        },
                        "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
                    }
                )
    return {"type": "FeatureCollection", "name": "xinzhou_heat_sources", "features": features}


def build_fire_points(grid: dict, heat: dict) -> list[dict]:
    """Synthetic VIIRS-style rows: clustered fires in villages, a plant, the border, far away."""
    rng = np.random.default_rng(SEED + 1)
    villages = [f for f in grid["features"] if f["properties"]["level"] == "village"]
    rows = []
    day = "2024-10-28"

    def row(lon: float, lat: float, hhmm: str, conf: str = "nominal", frp: float = 5.0) -> dict:
        return {
            "latitude": f"{lat:.5f}",
            "longitude": f"{lon:.5f}",
            "bright_ti4": f"{330 + rng.uniform(0, 30):.2f}",
            "scan": "0.39",
            "track": "0.36",
            "acq_date": day,
            "acq_time": hhmm,
            "satellite": "N",
            "confidence": conf,
            "version": "2.0NRT",
            "bright_ti5": "290.10",
            "frp": f"{frp:.2f}",
            "daynight": "D",
        }

    for idx in rng.choice(len(villages), size=12, replace=False):
        geom = shapely.from_geojson(json.dumps(villages[idx]["geometry"]))
        lon, lat = random_points_in(geom.buffer(-0.002) if geom.buffer(-0.002).area > 0 else geom, 1, rng)[0]
        rows.append(row(lon, lat, "0536", "nominal", rng.uniform(2, 12)))
        for _ in range(int(rng.integers(0, 3))):  # the same fire, neighbouring pixels / next overpass
            rows.append(
                row(
                    lon + rng.normal(0, 0.002),
                    lat + rng.normal(0, 0.002),
                    rng.choice(["0536", "0718"]),
                    "high",
                    rng.uniform(5, 20),
                )
            )
    for plant in heat["features"][:2]:  # persistent industrial heat: must be suppressed
        lon, lat = plant["geometry"]["coordinates"]
        rows.append(row(lon + 0.001, lat + 0.001, "1812", "nominal", 30.0))
    city = shapely.from_geojson(json.dumps(grid["features"][0]["geometry"]))
    edge = city.exterior if city.geom_type == "Polygon" else max(city.geoms, key=lambda g: g.area).exterior
    p = edge.interpolate(0.3, normalized=True)
    outward = (
        shapely.Point(p.x + 0.002, p.y)
        if not city.contains(shapely.Point(p.x + 0.002, p.y))
        else shapely.Point(p.x - 0.002, p.y)
    )
    rows.append(row(outward.x, outward.y, "0536"))  # ~170 m outside the border: routed to the nearest cell
    rows.append(row(115.9, 36.1, "0536"))  # far outside Xinzhou: unrouted
    return rows


def _rectangle(lon: float, lat: float, east_m: float, north_m: float) -> shapely.Polygon:
    """A rectangle with geodesic sides, counter-clockwise from its south-west corner."""
    geod = Geod(ellps="WGS84")
    lon_e, lat_e, _ = geod.fwd(lon, lat, 90, east_m)
    lon_n, lat_n, _ = geod.fwd(lon, lat, 0, north_m)
    lon_ne, lat_ne, _ = geod.fwd(lon_n, lat_n, 90, east_m)
    return shapely.Polygon([(lon, lat), (lon_e, lat_e), (lon_ne, lat_ne), (lon_n, lat_n)])


def build_sites() -> dict:
    """Three SAMPLE construction sites in 忻府区: above, inside and below the 5000 m2 review band."""
    sites = [
        ("XZ-SAMPLE-001", "样例住宅项目(示例)", 112.7340, 38.4166, 120, 80, "13900000001", "张工"),
        ("XZ-SAMPLE-002", "样例道路工程(示例)", 112.7455, 38.4230, 100, 50, "13900000002", "李工"),
        ("XZ-SAMPLE-003", "样例小型工地(示例)", 112.7210, 38.4102, 60, 40, "13900000003", "王工"),
    ]
    features = []
    for site_id, name, lon, lat, east, north, phone, person in sites:
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(_rectangle(lon, lat, east, north)),
                "properties": {
                    "site_id": site_id,
                    "name": name,
                    "responsible_person": person,
                    "contact_phone": phone,
                    "status": "active",
                    "area_declared_m2": east * north,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data"))
    )
    parser.add_argument("--out", type=Path, default=Path("src/firegrid/sample"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    grid = build_grid(args.shared)
    (args.out / "xinzhou_sample_grid.geojson").write_text(
        json.dumps(grid, ensure_ascii=False, separators=(",", ":"))
    )
    heat = build_heat_sources(args.shared, grid)
    (args.out / "xinzhou_heat_sources.geojson").write_text(json.dumps(heat, ensure_ascii=False, indent=1))
    rows = build_fire_points(grid, heat)
    with (args.out / "synthetic_firms_xinzhou.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "xinzhou_sample_sites.geojson").write_text(
        json.dumps(build_sites(), ensure_ascii=False, indent=1)
    )
    levels = {
        lvl: sum(f["properties"]["level"] == lvl for f in grid["features"])
        for lvl in ("city", "county", "township", "village")
    }
    print(json.dumps({"grid": levels, "heat_sources": len(heat["features"]), "fire_points": len(rows)}))


if __name__ == "__main__":
    main()
