"""Bare-soil pass over a synthetic full Sentinel-2 tile (10980 x 10980 at 10 m) vs one memory pass.

The tile holds the six bands the detector reads (B2 B3 B4 B8 B11 B12) as float32 arrays in
memory: 61 x 61-pixel fields of vegetation, dry bare soil (``--bare``, 8 % by default: a
spring farmland tile) and built-up (7 %, BSI just above 0) with per-pixel noise, plus a few
cloud blobs. ``bare_soil_s`` is the scene pass scene jobs run (``detect.scene_pass``: sample
histograms, prefilter, graph on candidates, thresholds, patches with geodesic area) over the
in-memory scene on ``--threads`` threads, split into reading windows, detecting in them and the
patch stage; ``outlines_s`` is tracing every patch's WGS84 outline afterwards (what turning the
patches into detections adds). ``memory_pass_s`` is one numpy pass over the same six arrays
(``np.multiply(band, 1, out=buf)`` each). Medians of ``--repeats``. Last line: JSON with ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from affine import Affine

from firegrid.detect.dust.baresoil import BareSoilDetector
from firegrid.detect.dust.params import DustParams
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.scene_pass import ScenePlan, run_plan
from firegrid.imagery.scene import BandSource, Scene

FIELD = 61
SPECTRA = {  # TOA reflectance per class: vegetation, dry soil, built-up
    "b2": (0.04, 0.10, 0.12),
    "b3": (0.07, 0.14, 0.13),
    "b4": (0.04, 0.19, 0.14),
    "b8": (0.35, 0.25, 0.25),
    "b11": (0.18, 0.34, 0.25),
    "b12": (0.09, 0.28, 0.20),
}


def make_tile(size: int, seed: int, bare: float = 0.08) -> tuple[dict[str, np.ndarray], int]:
    rng = np.random.default_rng(seed)
    n = size // FIELD + 1
    classes = rng.choice(3, size=(n, n), p=[0.93 - bare, bare, 0.07])
    per_pixel = np.repeat(np.repeat(classes, FIELD, axis=0), FIELD, axis=1)[:size, :size]
    clouds = np.zeros((size, size), bool)
    for _ in range(6):
        r, c, radius = [*rng.integers(0, size, 2).tolist(), int(rng.integers(100, 400))]
        clouds[max(0, r - radius) : r + radius, max(0, c - radius) : c + radius] = True
    bands = {}
    for name, values in SPECTRA.items():
        band = np.asarray(values, np.float32)[per_pixel]
        band *= rng.normal(1.0, 0.04, (size, size)).astype(np.float32)
        band[clouds] = 0.45 if name in ("b2", "b3", "b4") else 0.40
        bands[name] = band
    return bands, int((classes == 1).sum())


def memory_pass(arrays: list[np.ndarray]) -> float:
    out = np.empty_like(arrays[0])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for a in arrays:
            np.multiply(a, 1, out=out)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def scene_of(bands: dict[str, np.ndarray]) -> Scene:
    size = next(iter(bands.values())).shape[0]
    return Scene(
        scene_id="synthetic-T49SGA",
        sensor="sentinel2",
        platform="Sentinel-2A",
        acquired_at=None,
        width=size,
        height=size,
        transform=Affine(10, 0, 600_000, 0, -10, 4_300_000),
        crs="EPSG:32649",
        bands={k: BandSource(f"memory:{k}", array=v) for k, v in bands.items()},
        reflectance="corrected",
        source="memory",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10980)
    parser.add_argument("--window", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bare", type=float, default=0.08, help="share of bare-soil fields")
    args = parser.parse_args()
    bands, bare_fields = make_tile(args.size, seed=1, bare=args.bare)
    detector = BareSoilDetector(default_models_dir())
    params = DustParams(threads=args.threads)
    plan = ScenePlan(None, None, scene_of(bands), detector, params, window_size=args.window)
    warm = ScenePlan(None, None, scene_of({k: v[:512, :512] for k, v in bands.items()}), detector, params)
    run_plan(warm)
    times: list[float] = []
    result = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = run_plan(plan, threads=args.threads)
        times.append(time.perf_counter() - start)
    assert result is not None and result.dust is not None
    dust = result.dust
    soil_s = float(np.median(times))
    patches_s = dust.seconds - result.seconds  # the finish: thresholds, components, areas
    start = time.perf_counter()
    for p in dust.patches:
        _ = p.polygon
    outlines_s = time.perf_counter() - start
    pass_s = memory_pass(list(bands.values()))
    area = sum(p.area_m2 for p in dust.patches)
    implanted_ha = bare_fields * FIELD**2 * 100 / 1e4
    print(
        f"bare-soil pass over {args.size}^2 x 6 bands: {soil_s:.2f} s ({soil_s / pass_s:.2f} memory passes); "
        f"{len(dust.patches)} patches, {area / 1e4:.0f} ha ({bare_fields} bare fields, {implanted_ha:.0f} ha "
        f"implanted); thresholds {dust.thresholds.as_dict()}; cloud {dust.fractions['cloud']:.1%}"
    )
    print(
        f"  last run: windows read {result.read_s:.2f} s, detect {result.detect_s:.2f} s "
        f"(summed over {args.threads} threads), patch stage {patches_s:.2f} s; "
        f"tracing all {len(dust.patches)} outlines afterwards {outlines_s:.2f} s"
    )
    print(f"memory pass over the 6 bands: {pass_s:.3f} s")
    print(
        json.dumps(
            {
                "bare_soil_s": round(soil_s, 3),
                "memory_pass_s": round(pass_s, 4),
                "ratio": round(soil_s / pass_s, 2),
                "read_s": round(result.read_s, 3),
                "detect_s": round(result.detect_s, 3),
                "patches_s": round(patches_s, 3),
                "outlines_s": round(outlines_s, 3),
                "patches": len(dust.patches),
                "bare_ha": round(area / 1e4, 1),
                "implanted_ha": round(implanted_ha, 1),
                "size": args.size,
                "bare_share": args.bare,
                "window": args.window,
                "threads": args.threads,
            }
        )
    )


if __name__ == "__main__":
    main()
