"""One Himawari-9 slot over Xinzhou and its surroundings, from the bucket's files to tasks, on one core.

Setup (not timed): a fresh home with the Xinzhou sample grid, users and heat-source registry; four
consecutive 10-minute slots written in the bucket's format (HSD segment 2, the one that covers the
area, of B04 at 1 km and B07/B14/B15 at 2 km, full width, bzip2-compressed: 4 files, ~42 MB
uncompressed per slot) with three burning fields in villages; each pixel's temporal background primed
with five clear days, so the temporal test runs on every clear pixel as it does in operation.

Measured in a child process pinned to one CPU (``sched_setaffinity``; BLAS/OpenMP threads 1; satpy's
dask runs synchronously): importing the pipeline (satpy, pyresample, xarray, dask), then
``process_slot`` on each slot (read through satpy → detect → ingest: suppress, route, incidents,
tasks, notifications), the first slot cold (right after the imports) and the others warm. Baseline
in the same process: bzip2-decompressing the slot's files (``bz2.decompress``), the floor of reading.

Prints per slot the wall-clock and CPU seconds (the machine may be shared: CPU time is what the slot
costs one core) and the read / detect / ingest shares, the ratio of reading to the decompression
floor; the last line is JSON.
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

FIRES = [(112.62, 38.58, 25.0), (112.95, 38.87, 8.0), (112.31, 38.36, 4.0)]  # lon, lat, K on B07
T0 = datetime(2025, 10, 24, 8, 0, tzinfo=UTC)  # 16:00 in Shanxi


def setup(home: Path, slots: int) -> list[list[Path]]:
    """Grid, users, registry; the slots' files; a primed temporal background."""
    from tests.imagery import geo_files

    from firegrid import sample
    from firegrid.cli.demo import sample_users
    from firegrid.config import Settings
    from firegrid.services.grid import active_version, import_grid
    from firegrid.services.heat_sources import import_heat_sources
    from firegrid.store.db import migrate, transaction
    from firegrid.worker.context import build_runtime

    runtime = build_runtime(Settings(home=home, _env_file=None))  # type: ignore[call-arg]
    migrate(runtime.engine)
    with transaction(runtime.sessions) as session:
        import_grid(session, sample.path(sample.GRID))
        version = active_version(session)
        assert version is not None
        sample_users(session, version.id)
        import_heat_sources(session, sample.path(sample.HEAT_SOURCES), registry="sample")
    out = []
    for i in range(slots):
        when = T0 + timedelta(minutes=10 * i)
        folder = home / "slots" / f"{when:%H%M}"
        folder.mkdir(parents=True)
        out.append(geo_files.ahi_slot(folder, when, [2], FIRES, compress=True, seed=i))
    prime(runtime, out)
    runtime.close()
    return out


def prime(runtime, slots: list[list[Path]]) -> None:  # type: ignore[no-untyped-def]
    """Five clear days of history for every pixel and slot (the state a week of operation leaves):
    the synthetic land's fire-free B07 (292 K) and B07 - B14 (8 K), residual σ 0.4 K (its noise)."""
    import numpy as np

    from firegrid.detect.geostationary.background import BackgroundStore, BinState, ResidualState, bin_index
    from firegrid.imagery.geostationary.reader import read_slot

    area = runtime.geostationary.area(required=True)
    for paths in slots:
        slot = read_slot(paths, area)
        store = BackgroundStore(runtime.geostationary.background_root, slot.grid_key, slot.shape)
        shape = slot.shape
        n = np.full(shape, 5, np.uint8)
        t4, dt = np.full(shape, 292.0, np.float32), np.full(shape, 8.0, np.float32)
        store.save_bin(bin_index(slot.start_time, 10), BinState(t4, dt, n, 0.0))
        store.save_residual(ResidualState(np.full(shape, 0.16, np.float32), np.full(shape, 500, np.uint32)))


def child(home: str, slot_dirs: list[str]) -> None:
    """The measurement, on one CPU."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    start, cpu = time.perf_counter(), time.process_time()
    import satpy  # noqa: F401  (what a worker imports once)

    from firegrid.config import Settings
    from firegrid.services.geostationary import process_slot
    from firegrid.worker.context import build_runtime

    import_s, import_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    runtime = build_runtime(Settings(home=Path(home), _env_file=None))  # type: ignore[call-arg]
    results = []
    for folder in slot_dirs:
        paths = sorted(Path(folder).iterdir())
        begin, cpu = time.perf_counter(), time.process_time()
        report = process_slot(runtime.geostationary, paths)
        total, total_cpu = time.perf_counter() - begin, time.process_time() - cpu
        floor = time.perf_counter()
        for p in paths:
            bz2.decompress(p.read_bytes())
        decompress_s = time.perf_counter() - floor
        results.append(
            {
                "slot": report.label,
                "total_s": round(total, 3),
                "cpu_s": round(total_cpu, 3),
                **{f"{k}_s": v for k, v in report.seconds.items()},
                "decompress_s": round(decompress_s, 3),
                "shape": report.slot["shape"],
                "fire_pixels": report.detection["fire_pixels"],
                "by_method": report.detection["by_method"],
                "temporal_evaluated": report.detection["temporal_evaluated"],
                "tasks_new": report.summary.tasks_new,
                "new": report.summary.new,
            }
        )
    runtime.close()
    print(
        json.dumps({"import_s": round(import_s, 3), "import_cpu_s": round(import_cpu_s, 3), "slots": results})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    with tempfile.TemporaryDirectory(prefix="firegrid-geo-bench-") as tmp:
        home = Path(tmp) / "home"
        slots = setup(home, args.slots)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        folders = [str(paths[0].parent) for paths in slots]
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(home), *folders],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    print(
        f"imports (satpy, pyresample, xarray, dask, firegrid): {stats['import_s']:.2f} s "
        f"(CPU {stats['import_cpu_s']:.2f} s)"
    )
    for i, s in enumerate(stats["slots"]):
        total = s["total_s"]
        shares = " / ".join(f"{s[k + '_s'] / total:.2f}" for k in ("read", "detect", "ingest"))
        print(
            f"slot {s['slot']} ({'cold' if i == 0 else 'warm'}): {total:.2f} s (CPU {s['cpu_s']:.2f} s), "
            f"read/detect/ingest {shares}; "
            f"read / bz2 floor {s['read_s'] / s['decompress_s']:.1f}; grid {s['shape']}, "
            f"{s['fire_pixels']} fire pixels {s['by_method']}, {s['tasks_new']} new tasks"
        )
    warm = [s["total_s"] for s in stats["slots"][1:]] or [stats["slots"][0]["total_s"]]
    first = stats["slots"][0]
    summary = {
        "cold_slot_s": first["total_s"],
        "cold_with_imports_s": round(first["total_s"] + stats["import_s"], 3),
        "warm_slot_s_median": sorted(warm)[len(warm) // 2],
        "cold_with_imports_cpu_s": round(first["cpu_s"] + stats["import_cpu_s"], 3),
        "warm_slot_cpu_s_median": sorted(s["cpu_s"] for s in stats["slots"][1:] or stats["slots"])[
            len(stats["slots"][1:] or stats["slots"]) // 2
        ],
        "read_share": round(
            sum(s["read_s"] for s in stats["slots"]) / sum(s["total_s"] for s in stats["slots"]), 3
        ),
        "detect_share": round(
            sum(s["detect_s"] for s in stats["slots"]) / sum(s["total_s"] for s in stats["slots"]), 3
        ),
        "ingest_share": round(
            sum(s["ingest_s"] for s in stats["slots"]) / sum(s["total_s"] for s in stats["slots"]), 3
        ),
        "read_to_bz2_floor": round(first["read_s"] / first["decompress_s"], 2),
        **stats,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
