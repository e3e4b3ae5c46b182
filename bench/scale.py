"""Scale-out: the same queue of work drained by 1 and then 2 worker processes, in one run.

Work: ``--jobs`` FIRMS uploads of ``--batch`` new detections inside Xinzhou (routing, fusion, tasks,
notifications) and ``--scenes`` synthetic Landsat scenes cut into 128 px windows (one Celery task per window).
Topology: PostgreSQL + Redis started on 127.0.0.1 from the apt binaries (as in the tests) when installed,
otherwise the embedded default (SQLite + SQLite broker, where writes serialise). Each worker process runs
``--concurrency 1``; everything is queued first, then the workers start, and the clock stops when the last
job is done. Prints the throughput of each run and the ratio; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from sqlalchemy import select  # noqa: E402
from tests import servers  # noqa: E402
from tests.services.test_scenes import synthetic_landsat, write_band  # noqa: E402

from api import seed  # noqa: E402
from firegrid.config import Settings  # noqa: E402
from firegrid.services.ingest import create_job  # noqa: E402
from firegrid.services.scenes import create_scene_job  # noqa: E402
from firegrid.store.db import transaction  # noqa: E402
from firegrid.store.tables import IngestJob, SceneJob  # noqa: E402
from firegrid.worker.app import TaskQueue, create_celery  # noqa: E402
from firegrid.worker.context import build_runtime  # noqa: E402
from load import firms_csv, villages  # noqa: E402


def scene(folder: Path, size: int, seed: int) -> Path:
    rng = random.Random(seed)
    fires = [(rng.randrange(10, size - 10), rng.randrange(10, size - 10)) for _ in range(12)]
    for name, data in synthetic_landsat((size, size), fires).items():
        write_band(folder / f"{name}.tif", data, x0=440_000, y0=4_280_000)
    meta = {
        "scene_id": f"LC09_SCALE_{seed}",
        "platform": "Landsat-9",
        "acquired_at": "2024-10-28T03:05:00+00:00",
        "reflectance": "uncorrected",
    }
    (folder / "scene.json").write_text(json.dumps(meta))
    return folder


def one_run(workers: int, args: argparse.Namespace, env: dict[str, str], tmp: Path) -> dict[str, float]:
    home = tmp / f"home-{workers}"
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]  # env supplies URLs
    seed(home, 200)
    points, _ = villages(home)
    runtime = build_runtime(settings)
    queue = TaskQueue(create_celery(settings))
    rng = random.Random(3)
    ingest_ids, scene_ids = [], []
    with transaction(runtime.sessions) as session:
        for i in range(args.jobs):
            path = tmp / f"w{workers}-firms-{i}.csv"
            path.write_bytes(firms_csv(rng, points, args.batch, i))
            ingest_ids.append(
                create_job(session, path, filename=path.name, sha256=f"{workers}{i}".zfill(64)).id
            )
        for i in range(args.scenes):
            folder = scene(settings.scenes_dir / f"s{i}", args.scene_size, i)
            scene_ids.append(create_scene_job(session, str(folder)).id)
    for job_id in ingest_ids:
        queue.ingest(job_id)
    for job_id in scene_ids:
        queue.scene(job_id)
    logs = [open(tmp / f"worker-{workers}-{n}.log", "wb") for n in range(workers)]  # noqa: SIM115
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "firegrid", "worker", "--concurrency", "1", "--name", f"w{n}@%h"],
            env={**os.environ, **env, "FIREGRID_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n, log in enumerate(logs)
    ]
    try:
        while True:
            with runtime.sessions() as session:
                states = list(session.scalars(select(IngestJob.status).where(IngestJob.id.in_(ingest_ids))))
                states += list(session.scalars(select(SceneJob.status).where(SceneJob.id.in_(scene_ids))))
            if all(s in ("done", "failed") for s in states):
                errors = list(session.scalars(select(IngestJob.error).where(IngestJob.status == "failed")))
                errors += list(session.scalars(select(SceneJob.error).where(SceneJob.status == "failed")))
                break
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"{workers} worker(s): not done after {args.timeout} s: {states}")
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        for log in logs:
            log.close()
        runtime.close()
    failed = states.count("failed")
    for error in errors[:3]:
        print(f"failed job: {error}", flush=True)
    detections = args.jobs * args.batch
    return {
        "workers": workers,
        "seconds": round(elapsed, 1),
        "failed": failed,
        "detections_per_min": round(detections / elapsed * 60),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--scenes", type=int, default=2)
    parser.add_argument("--scene-size", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--embedded", action="store_true", help="SQLite + SQLite broker even if services exist"
    )
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="firegrid-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        services = not args.embedded and servers.redis_binary() and servers.postgres_bindir()
        results = []
        for workers in (1, 2):
            env = {"FIREGRID_SCAN__WINDOW_SIZE": "128", "FIREGRID_LOG_LEVEL": "WARNING"}
            if services:
                redis = stack.enter_context(servers.redis_server(appendonly=True))
                postgres = stack.enter_context(servers.postgres_server())
                env["FIREGRID_BROKER_URL"] = f"{redis}/0"
                env["FIREGRID_DATABASE_URL"] = servers.create_database(postgres, f"scale{workers}")
            os.environ.update(env)  # the seeding and queueing in this process use the same stack
            results.append(one_run(workers, args, env, tmp))
            print(results[-1], flush=True)
    ratio = results[1]["detections_per_min"] / results[0]["detections_per_min"]
    print(
        json.dumps(
            {
                "topology": "postgres+redis" if services else "embedded",
                "jobs": args.jobs,
                "batch": args.batch,
                "scenes": args.scenes,
                "one_worker": results[0],
                "two_workers": results[1],
                "speedup": round(ratio, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
