"""Scan a synthetic full Sentinel-2 tile and a Landsat-size scene; compare with a memory pass.

* Sentinel-2: 5490 x 5490 at 20 m, the bands the default detector reads (B8A, B11, B12) as
  float32 tiled GeoTIFFs, realistic reflectance fields and a few hundred implanted fires.
  ``s2_tile_s`` is ``scan_scene`` over the three arrays held in memory (the detector's own
  cost); ``memory_pass_s`` is one numpy pass over the same arrays (``np.multiply(band, 1,
  out=buf)`` each); ``s2_tile_from_files_s`` is the same scan reading the GeoTIFFs (page cache).
* Landsat: ~7800 x 7800 Collection-2-style folder (uint16 DN, MTL), bands 1-7, scanned with
  the Schroeder detector in a child process whose peak RSS is reported.

Last line of output: JSON {"s2_tile_s", "memory_pass_s", "ratio", "landsat_peak_rss_mb", ...}.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from firegrid.detect.satellite.base import SceneDetector
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import ScanResult, scan_scene
from firegrid.imagery.open import open_scene
from firegrid.imagery.scene import Scene

PROFILE = {
    "driver": "GTiff",
    "count": 1,
    "crs": "EPSG:32649",
    "tiled": True,
    "blockxsize": 512,
    "blockysize": 512,
}


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
    means = {1: 0.10, 2: 0.09, 3: 0.08, 4: 0.08, 5: 0.26, 6: 0.21, 7: 0.12}
    for band, mean in means.items():
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


def memory_pass(arrays: list[np.ndarray]) -> float:
    out = np.empty_like(arrays[0])
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for a in arrays:
            np.multiply(a, 1, out=out)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def timed(scene: Scene, detector: SceneDetector, window: int) -> tuple[float, ScanResult]:
    scan_scene(scene, detector, window)  # warm up: page cache, ONNX session
    times, result = [], None
    for _ in range(5):
        start = time.perf_counter()
        result = scan_scene(scene, detector, window)
        times.append(time.perf_counter() - start)
    assert result is not None
    return float(np.median(times)), result


def landsat_child(folder: str, window: int) -> None:
    scene = open_scene(Path(folder))
    start = time.perf_counter()
    result = scan_scene(scene, make_detector("landsat", default_models_dir()), window)
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
    parser.add_argument("--fires", type=int, default=300)
    parser.add_argument("--window", type=int, default=1024)
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
        s2 = Path(tmp) / "s2"
        s2.mkdir()
        implanted = write_s2(s2, args.s2_size, args.fires, seed=1)
        on_disk = open_scene(s2)
        arrays = load(s2)
        in_memory = replace(on_disk, bands={k: replace(v, array=arrays[k]) for k, v in on_disk.bands.items()})
        detector = make_detector("sentinel2", default_models_dir())
        s2_s, result = timed(in_memory, detector, args.window)
        files_s, from_files = timed(on_disk, detector, args.window)
        assert from_files.clusters == result.clusters
        pass_s = memory_pass(list(arrays.values()))
        print(
            f"S2 tile {args.s2_size}^2 in memory: {s2_s:.3f} s; from GeoTIFF files: {files_s:.3f} s; "
            f"{len(result.pixels)} fire pixels of {implanted} implanted"
        )
        print(f"memory pass over B8A/B11/B12: {pass_s:.3f} s")
        landsat = Path(tmp) / "landsat"
        landsat.mkdir()
        write_landsat(landsat, args.landsat_size, seed=2)
        out, _ = child.communicate(f"{landsat}\n", timeout=1800)
        stats = json.loads(out.strip().splitlines()[-1])
        seconds, peak = stats["seconds"], stats["peak_rss_mb"]
        print(f"Landsat {args.landsat_size}^2, 7 bands: {seconds:.1f} s, peak RSS {peak:.0f} MB")
    print(
        json.dumps(
            {
                "s2_tile_s": round(s2_s, 3),
                "memory_pass_s": round(pass_s, 4),
                "ratio": round(s2_s / pass_s, 2),
                "s2_tile_from_files_s": round(files_s, 3),
                "files_ratio": round(files_s / pass_s, 2),
                "landsat_peak_rss_mb": round(stats["peak_rss_mb"]),
                "landsat_s": round(stats["seconds"], 2),
                "s2_fire_pixels": len(result.pixels),
                "s2_implanted": implanted,
                "window": args.window,
            }
        )
    )


if __name__ == "__main__":
    main()
