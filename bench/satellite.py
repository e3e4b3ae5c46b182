"""Scene fire detection against one memory pass, and against the reference implementation.

* Sentinel-2: a 5490 x 5490 tile at 20 m, the bands HOTMAP reads (B8A, B11, B12) as float32 tiled
  GeoTIFFs (uncompressed), field-like reflectance and a few hundred implanted fires. ``s2_tile_s``
  scans the three arrays held in memory, ``s2_tile_from_files_s`` the GeoTIFFs (page cache warm),
  both through ``detect.scene_pass`` (what scene jobs and ``firegrid scan`` run) on one thread, with
  the time split into reading windows and detecting in them; ``memory_pass_s`` is one numpy pass
  over the same arrays (``np.multiply(band, 1, out=buf)`` each).
* Landsat, same arrays for everyone: a 3000 x 3000 scene of fields, lakes and ~300 fires of 1 to
  300 pixels, scanned with Schroeder and with GOLI (Kumar-Roy) by firegrid and by the reference
  numpy implementation (pereira-gha/activefire, ``bench/activefire_reference.py``), HOTMAP against
  the reference's Murphy on the same bands; masks compared.
* Landsat 7800 x 7800 Collection-2-style folder (uint16 DN, MTL), bands 1-7, scanned with Schroeder
  in a child process whose peak RSS is reported.

Medians of ``--repeats`` runs; ratios are within this run. Last line of output: JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.transform import from_origin

import activefire_reference as reference
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import scan_scene
from firegrid.detect.scene_pass import PlanResult, ScenePlan, run_plan
from firegrid.imagery.open import open_scene
from firegrid.imagery.scene import BandSource, Scene

MODELS = default_models_dir()
PROFILE = {
    "driver": "GTiff",
    "count": 1,
    "crs": "EPSG:32649",
    "tiled": True,
    "blockxsize": 512,
    "blockysize": 512,
}
LANDSAT_MEANS = {1: 0.10, 2: 0.09, 3: 0.08, 4: 0.08, 5: 0.26, 6: 0.21, 7: 0.12}
WATER = {1: 0.12, 2: 0.10, 3: 0.08, 4: 0.06, 5: 0.04, 6: 0.02, 7: 0.01}


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], lo: float, hi: float) -> np.ndarray:
    """A blocky, field-like reflectance pattern (cheap to build at full-tile size)."""
    coarse = rng.uniform(lo, hi, (shape[0] // 61 + 1, shape[1] // 61 + 1)).astype(np.float32)
    field = np.repeat(np.repeat(coarse, 61, axis=0), 61, axis=1)[: shape[0], : shape[1]]
    return field + rng.normal(0, (hi - lo) * 0.03, shape).astype(np.float32)


def write_s2(folder: Path, size: int, fires: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    shape = (size, size)
    b8a = smooth_field(rng, shape, 0.15, 0.45)
    b11 = smooth_field(rng, shape, 0.10, 0.35)
    b12 = (b11 * rng.uniform(0.5, 0.8, shape)).astype(np.float32)
    rows, cols = rng.integers(2, size - 2, fires), rng.integers(2, size - 2, fires)
    b12[rows, cols] = rng.uniform(0.5, 1.2, fires)
    b11[rows, cols] = b12[rows, cols] / rng.uniform(1.5, 2.5, fires)
    for name, data in (("B8A", b8a), ("B11", b11), ("B12", b12)):
        with rasterio.open(
            folder / f"{name}.tif",
            "w",
            width=size,
            height=size,
            dtype="float32",
            transform=from_origin(400_000, 4_300_000, 20, 20),
            **PROFILE,
        ) as ds:
            ds.write(data, 1)
    return len(set(zip(rows.tolist(), cols.tolist(), strict=True)))


def fire_scene(size: int, fires: int, seed: int) -> dict[int, np.ndarray]:
    """Uncorrected TOA reflectance b1..b7: fields, 10 lakes, fires as blobs of 1 to ~300 pixels."""
    rng = np.random.default_rng(seed)
    b = {k: smooth_field(rng, (size, size), m * 0.8, m * 1.2) for k, m in LANDSAT_MEANS.items()}
    for _ in range(10):
        r, c = rng.integers(0, size, 2)
        h, w = rng.integers(20, 200, 2)
        for k, v in WATER.items():
            b[k][r : r + h, c : c + w] = v * rng.uniform(0.9, 1.1, b[k][r : r + h, c : c + w].shape)
    yy, xx = np.mgrid[-12:13, -12:13]
    for _ in range(fires):
        r, c = rng.integers(15, size - 15, 2)
        radius = rng.choice([1, 2, 3, 6, 10], p=[0.35, 0.3, 0.2, 0.1, 0.05])
        rr, cc = np.nonzero((yy**2 + xx**2 <= radius**2) & (rng.random(yy.shape) < 0.8))
        rr, cc = rr + r - 12, cc + c - 12
        hot = rng.uniform(0.2, 1.1, len(rr)).astype(np.float32)
        b[7][rr, cc] = hot
        b[5][rr, cc] = rng.uniform(0.15, 0.3, len(rr))
        b[6][rr, cc] = hot / rng.uniform(1.1, 2.2, len(rr))
    return {k: v.astype(np.float32) for k, v in b.items()}


def memory_scene(
    sensor: str, bands: dict[str, np.ndarray], reflectance: str, sun: float | None = None
) -> Scene:
    size = next(iter(bands.values())).shape[0]
    pixel = 30 if sensor == "landsat" else 20
    return Scene(
        "bench",
        sensor,  # type: ignore[arg-type]
        "bench",
        None,
        size,
        size,
        Affine(pixel, 0, 400_000, 0, -pixel, 4_300_000),
        "EPSG:32649",
        {k: BandSource(f"memory:{k}", array=v) for k, v in bands.items()},
        reflectance,  # type: ignore[arg-type]
        "memory",
        sun_elevation=sun,
    )


def write_landsat(folder: Path, size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    name = "LC08_L1TP_125033_20241028_20241029_02_T1"
    lines = [
        "GROUP = LANDSAT_METADATA_FILE",
        f'  LANDSAT_PRODUCT_ID = "{name}"',
        '  SPACECRAFT_ID = "LANDSAT_8"',
        "  DATE_ACQUIRED = 2024-10-28",
        '  SCENE_CENTER_TIME = "03:05:00.0000000Z"',
        "  SUN_ELEVATION = 35.0",
    ]
    for band, mean in LANDSAT_MEANS.items():
        lines += [
            f'  FILE_NAME_BAND_{band} = "{name}_B{band}.TIF"',
            f"  REFLECTANCE_MULT_BAND_{band} = 2.0000E-05",
            f"  REFLECTANCE_ADD_BAND_{band} = -0.100000",
        ]
        refl = smooth_field(rng, (size, size), mean * 0.8, mean * 1.2)
        dn = np.clip((refl + 0.1) / 2e-5, 1, 65535).astype(np.uint16)
        with rasterio.open(
            folder / f"{name}_B{band}.TIF",
            "w",
            width=size,
            height=size,
            dtype="uint16",
            transform=from_origin(400_000, 4_300_000, 30, 30),
            nodata=0,
            **PROFILE,
        ) as ds:
            ds.write(dn, 1)
    (folder / f"{name}_MTL.txt").write_text("\n".join([*lines, "END_GROUP = LANDSAT_METADATA_FILE", "END"]))


def load(folder: Path) -> dict[str, np.ndarray]:
    arrays = {}
    for name in ("B8A", "B11", "B12"):
        with rasterio.open(folder / f"{name}.tif") as ds:
            arrays[name.lower()] = ds.read(1)
    return arrays


def median_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` runs after one warm-up, and the last result."""
    result = run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def memory_pass(arrays: list[np.ndarray], repeats: int) -> float:
    out = np.empty_like(arrays[0])
    return median_time(lambda: [np.multiply(a, 1, out=out) for a in arrays], repeats)[0]


def sentinel2(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The S2 tile in memory and from files, against a memory pass over its three bands."""
    folder = tmp / "s2"
    folder.mkdir()
    implanted = write_s2(folder, args.s2_size, args.fires, seed=1)
    on_disk = open_scene(folder)
    arrays = load(folder)
    in_memory = replace(on_disk, bands={k: replace(v, array=arrays[k]) for k, v in on_disk.bands.items()})
    detector = make_detector("sentinel2", MODELS)
    plans = [ScenePlan(s, detector, None, None, window_size=args.window) for s in (in_memory, on_disk)]
    pass_s = memory_pass(list(arrays.values()), args.repeats)
    s2_s, mem = median_time(lambda: run_plan(plans[0]), args.repeats)
    files_s, disk = median_time(lambda: run_plan(plans[1]), args.repeats)
    two_s, _ = median_time(lambda: run_plan(plans[1], threads=2), args.repeats)
    assert mem.fire.clusters == disk.fire.clusters == scan_scene(in_memory, detector, args.window).clusters
    print(
        f"S2 tile {args.s2_size}^2: memory pass {pass_s:.4f} s; "
        f"in memory {s2_s:.3f} s ({s2_s / pass_s:.2f}x), "
        f"from GeoTIFFs {files_s:.3f} s ({files_s / pass_s:.2f}x; 2 threads {two_s:.3f} s); "
        f"{len(mem.fire.pixels)} fire pixels of {implanted} implanted"
    )
    for label, r in (("in memory", mem), ("from files", disk)):
        print(f"  {label}: read {r.read_s:.3f} s, detect {r.detect_s:.3f} s over {r.windows} windows")
    return {
        "memory_pass_s": round(pass_s, 4),
        "s2_tile_s": round(s2_s, 3),
        "ratio": round(s2_s / pass_s, 2),
        "s2_tile_from_files_s": round(files_s, 3),
        "files_ratio": round(files_s / pass_s, 2),
        "files_2_threads_ratio": round(two_s / pass_s, 2),
        "read_detect_memory_s": [round(mem.read_s, 3), round(mem.detect_s, 3)],
        "read_detect_files_s": [round(disk.read_s, 3), round(disk.detect_s, 3)],
        "s2_fire_pixels": len(mem.fire.pixels),
        "s2_implanted": implanted,
    }


def mask_of(result: PlanResult, size: int) -> np.ndarray:
    assert result.fire is not None
    mask = np.zeros((size, size), bool)
    mask[result.fire.pixels.rows, result.fire.pixels.cols] = True
    return mask


def landsat_vs_reference(args: argparse.Namespace) -> dict[str, Any]:
    """Schroeder, GOLI and HOTMAP by firegrid and by the reference on the same arrays."""
    size, sun = args.compare_size, 35.0
    bands = fire_scene(size, args.compare_fires, seed=3)
    sine = np.float32(math.sin(math.radians(sun)))
    corrected = {k: v / sine for k, v in bands.items()}
    # each detector reads the arrays the reference gets: TOA (Schroeder), sun-corrected (the others)
    landsat = memory_scene("landsat", {f"b{k}": v for k, v in bands.items()}, "uncorrected", sun)
    corrected_landsat = memory_scene("landsat", {f"b{k}": v for k, v in corrected.items()}, "corrected", sun)
    s2 = memory_scene(
        "sentinel2", {"b8a": corrected[5], "b11": corrected[6], "b12": corrected[7]}, "corrected"
    )
    cases = [
        ("schroeder", landsat, "landsat-schroeder2016", lambda: reference.schroeder(dict(bands))),
        ("goli", corrected_landsat, "landsat-goli2018", lambda: reference.goli(dict(corrected))),
        (
            "hotmap",
            s2,
            "sentinel2-hotmap",
            lambda: reference.murphy(dict(corrected), np.zeros((size, size), bool), fixed_guard=True),
        ),
    ]
    out: dict[str, Any] = {}
    for name, scene, detector, run_reference in cases:
        plan = ScenePlan(
            scene, make_detector(scene.sensor, MODELS, detector), None, None, window_size=args.window
        )
        ours_s, result = median_time(lambda plan=plan: run_plan(plan), args.repeats)
        ref_s, ref_mask = median_time(run_reference, max(1, args.repeats // 2))
        equal = bool(np.array_equal(mask_of(result, size), ref_mask))
        out[name] = {
            "s": round(ours_s, 4),
            "reference_s": round(ref_s, 3),
            "speedup": round(ref_s / ours_s, 1),
        }
        out[name] |= {"masks_equal": equal, "fire_pixels": int(ref_mask.sum())}
        print(
            f"Landsat {size}^2 {name}: firegrid {ours_s:.3f} s, reference {ref_s:.3f} s "
            f"({ref_s / ours_s:.1f}x faster), {int(ref_mask.sum())} fire pixels, masks equal: {equal}"
        )
    out["goli_over_schroeder"] = round(out["goli"]["s"] / out["schroeder"]["s"], 2)
    print(f"GOLI / Schroeder: {out['goli_over_schroeder']:.2f}")
    return out


def landsat_child(folder: str, window: int) -> None:
    scene = open_scene(Path(folder))
    start = time.perf_counter()
    result = scan_scene(scene, make_detector("landsat", MODELS), window)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "pixels": len(result.pixels),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--s2-size", type=int, default=5490)
    parser.add_argument("--landsat-size", type=int, default=7800)
    parser.add_argument("--compare-size", type=int, default=3000)
    parser.add_argument("--compare-fires", type=int, default=300)
    parser.add_argument("--fires", type=int, default=300)
    parser.add_argument("--window", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--landsat-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.landsat_child:
        folder = args.landsat_child if args.landsat_child != "stdin" else sys.stdin.readline().strip()
        landsat_child(folder, args.window)
        return
    # Start the measuring child now, while this process is small: a child's peak RSS
    # includes its parent's at the time it was spawned.
    child = subprocess.Popen(
        [sys.executable, __file__, "--landsat-child", "stdin", "--window", str(args.window)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with tempfile.TemporaryDirectory(prefix="firegrid-bench-") as tmp:
        figures = sentinel2(args, Path(tmp))
        figures["landsat_compare"] = landsat_vs_reference(args)
        landsat = Path(tmp) / "landsat"
        landsat.mkdir()
        write_landsat(landsat, args.landsat_size, seed=2)
        out, _ = child.communicate(f"{landsat}\n", timeout=1800)
        stats = json.loads(out.strip().splitlines()[-1])
        print(
            f"Landsat {args.landsat_size}^2, 7 bands: {stats['seconds']:.1f} s, "
            f"peak RSS {stats['peak_rss_mb']:.0f} MB"
        )
    figures |= {
        "landsat_peak_rss_mb": round(stats["peak_rss_mb"]),
        "landsat_s": round(stats["seconds"], 2),
        "window": args.window,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
