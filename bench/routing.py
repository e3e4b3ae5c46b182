"""Route random points over the sample grid's village cells; compare with a per-point loop.

Prints a few lines of detail, then a last line of JSON:
{"points_per_s": ..., "baseline_points_per_s": ..., "ratio": ..., ...}
The baseline (a per-point STRtree query loop, prepared polygons) runs in the same process
on the same points, so the ratio holds on a noisy machine. Single-threaded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import shapely

from firegrid import sample
from firegrid.grid.build import build_grid
from firegrid.grid.partition import random_points_in
from firegrid.grid.routing import GridIndex
from firegrid.vector import read_vector


def bulk(index: GridIndex, lon: np.ndarray, lat: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        routes = index.route(lon, lat)
        times.append(time.perf_counter() - start)
    return len(lon) / statistics.median(times), routes.cell


def per_point(villages: list, lon: np.ndarray, lat: np.ndarray) -> float:
    geoms = np.array([c.geometry for c in villages], dtype=object)
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    start = time.perf_counter()
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        hits = tree.query(shapely.Point(x, y), predicate="within")
        _ = min((villages[i].code for i in hits), default=None)
    return len(lon) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--baseline-points", type=int, default=20_000)
    parser.add_argument("--check", type=int, default=2_000, help="points checked by brute force")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    tree, _ = build_grid(read_vector(sample.path(sample.GRID)))
    villages = [c for c in tree if c.level == "village"]
    coverage = shapely.union_all([c.geometry for c in tree.children(None)])
    lon, lat = random_points_in(coverage, args.points, np.random.default_rng(42)).T
    start = time.perf_counter()
    index = GridIndex(tree, buffer_m=500)
    build_s = time.perf_counter() - start

    rate, cells = bulk(index, lon, lat, args.repeats)
    baseline = per_point(villages, lon[: args.baseline_points], lat[: args.baseline_points])

    village_geoms = np.array([c.geometry for c in villages], dtype=object)
    codes = index.codes
    mismatches = 0
    for i in range(args.check):
        inside = shapely.contains(village_geoms, shapely.Point(lon[i], lat[i]))
        expected = min((villages[j].code for j in np.flatnonzero(inside)), default=None)
        got = codes[cells[i]] if cells[i] >= 0 else None
        if expected is not None and got != expected:
            mismatches += 1
    print(f"grid: {len(tree)} cells, {len(villages)} villages; index built in {build_s * 1000:.0f} ms")
    print(f"bulk: {rate:,.0f} points/s over {args.points:,} points (median of {args.repeats})")
    print(f"per-point loop: {baseline:,.0f} points/s over {args.baseline_points:,} points")
    print(f"brute-force check: {args.check} points, {mismatches} mismatches")
    if mismatches:
        raise SystemExit(f"{mismatches} points routed differently from brute-force contains")
    print(
        json.dumps(
            {
                "points_per_s": round(rate),
                "baseline_points_per_s": round(baseline),
                "ratio": round(rate / baseline, 2),
                "points": args.points,
                "checked": args.check,
                "mismatches": mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
