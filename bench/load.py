"""Sustained load: 10,000 detections a minute ingested while 50 inspector clients use the app.

Seeds a fresh home (Xinzhou sample grid and users, 2,000 incidents with tasks), starts ``firegrid serve``
(uvicorn processes plus the embedded worker, the embedded default: SQLite and the SQLite broker) on
127.0.0.1 and, for ``--seconds`` (120 by default):

* an operator uploads a FIRMS CSV of ``--batch`` detections every ``60 * batch / rate`` seconds
  (``--rate`` 10,000 a minute), points inside Xinzhou's villages, new coordinates each time, so every
  one is routed, fused and (mostly) becomes a task;
* ``--clients`` inspectors (different users) loop: ``GET /tasks/mine``, then one task's detail, then a
  think time of 0.5-1.5 s, like the inspector app polling.

Counts every error (transport error or non-2xx), reports p50/p95 of each call, the ingest upload latency,
and how long each upload took to be processed (upload to job ``done``); it waits up to 120 s at the end for
the queue to drain. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api import seed, stats, token  # bench/api.py: the same seeding and percentile code
from firegrid.config import Settings
from firegrid.services.grid import active_version, load_tree
from firegrid.worker.context import build_runtime

HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,frp,daynight\n"
)


def villages(home: Path) -> tuple[list[tuple[float, float]], list[str]]:
    """A point inside every village of the seeded grid, and the village codes."""
    runtime = build_runtime(Settings(home=home, _env_file=None))  # type: ignore[call-arg]
    with runtime.sessions() as session:
        version = active_version(session)
        assert version is not None
        cells = [c for c in load_tree(session, version.id) if c.level == "village"]
    runtime.close()
    points = [(p.x, p.y) for p in (c.geometry.representative_point() for c in cells)]
    return points, [c.code for c in cells]


def firms_csv(rng: random.Random, points: list[tuple[float, float]], n: int, minute: int) -> bytes:
    """``n`` VIIRS detections near random villages (new positions and times: nothing is a duplicate)."""
    out = io.StringIO()
    out.write(HEADER)
    for _ in range(n):
        lon, lat = rng.choice(points)
        clock = f"{(minute // 60) % 24:02d}{minute % 60:02d}"
        out.write(
            f"{lat + rng.uniform(-0.01, 0.01):.5f},{lon + rng.uniform(-0.01, 0.01):.5f},"
            f"{rng.uniform(330, 367):.2f},0.39,0.36,2026-11-29,{clock},N,nominal,2.0NRT,"
            f"{rng.uniform(1, 30):.2f},D\n"
        )
    return out.getvalue().encode()


class Recorder:
    """Latencies per call name and every error."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def add(self, name: str, started: float, response: httpx.Response | None, problem: str = "") -> None:
        if response is not None and response.is_success:
            self.latencies.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        else:
            detail = problem or (f"HTTP {response.status_code}: {response.text[:120]}" if response else "")
            self.errors.append(f"{name}: {detail}")


async def call(
    client: httpx.AsyncClient, rec: Recorder, name: str, method: str, url: str, **kw: object
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kw)  # type: ignore[arg-type]
    except httpx.HTTPError as exc:
        rec.add(name, started, None, type(exc).__name__)
        return None
    rec.add(name, started, response)
    return response


async def inspector(
    client: httpx.AsyncClient, rec: Recorder, headers: dict[str, str], until: float, seed: int
) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        mine = await call(client, rec, "my_tasks", "GET", "/tasks/mine", headers=headers)
        tasks = mine.json() if mine is not None and mine.is_success else []
        if tasks:
            await call(
                client, rec, "task_detail", "GET", f"/tasks/{rng.choice(tasks)['id']}", headers=headers
            )
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def operator(
    client: httpx.AsyncClient,
    rec: Recorder,
    headers: dict[str, str],
    until: float,
    args: argparse.Namespace,
    points: list[tuple[float, float]],
    jobs: dict[int, float],
) -> None:
    rng = random.Random(7)
    period = 60.0 * args.batch / args.rate
    minute = 0
    next_at = time.perf_counter()
    while next_at < until:
        body = firms_csv(rng, points, args.batch, minute)
        minute += 1
        files = {"file": (f"firms-{minute}.csv", body, "text/csv")}
        response = await call(client, rec, "ingest_upload", "POST", "/ingest", files=files, headers=headers)
        if response is not None and response.is_success:
            jobs[response.json()["id"]] = time.perf_counter()
        next_at += period
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def watch_jobs(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    jobs: dict[int, float],
    done: dict[int, tuple[float, dict]],
    until: float,
    drain: bool = False,
) -> None:
    """Record when each upload's job is seen done; while loading until ``until``, when draining also
    stop once every job is done."""
    while time.perf_counter() < until and not (drain and len(done) == len(jobs)):
        listed = await client.get("/ingest", params={"limit": 500}, headers=headers)
        now = time.perf_counter()
        for job in listed.json():
            if job["id"] in jobs and job["id"] not in done and job["status"] in ("done", "failed"):
                done[job["id"]] = (now - jobs[job["id"]], job)
        await asyncio.sleep(0.5)


async def run(
    base: str, args: argparse.Namespace, points: list[tuple[float, float]], codes: list[str]
) -> dict:
    rec = Recorder()
    limits = httpx.Limits(max_connections=args.clients + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        admin = token(base, "op-" + codes[0][:6])
        inspectors = [token(base, f"insp-{code}") for code in codes[: args.clients]]
        jobs: dict[int, float] = {}
        done: dict[int, tuple[float, dict]] = {}
        start = time.perf_counter()
        until = start + args.seconds
        await asyncio.gather(
            operator(client, rec, admin, until, args, points, jobs),
            *(inspector(client, rec, h, until, i) for i, h in enumerate(inspectors)),
            watch_jobs(client, admin, jobs, done, until),
        )
        load_end = time.perf_counter()
        await watch_jobs(client, admin, jobs, done, load_end + 120, drain=True)
        drained_s = time.perf_counter() - load_end
    failed = [j for _, j in done.values() if j["status"] != "done"]
    rec.errors += [f"ingest job {j['id']}: {j.get('error')}" for j in failed]
    rec.errors += [f"ingest job {i}: not done after the drain" for i in jobs if i not in done]
    lags = [lag * 1000 for lag, _ in done.values()]
    new = sum((j.get("summary") or {}).get("new", 0) for _, j in done.values())
    return {"rec": rec, "lags": lags, "jobs": len(jobs), "new": new, "drained_s": drained_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rate", type=int, default=10_000, help="detections per minute")
    parser.add_argument("--batch", type=int, default=1_000, help="detections per upload")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--incidents", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes (plus the embedded worker)")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firegrid-bench-load-") as tmp:
        home = Path(tmp) / "home"
        seed(home, args.incidents)
        points, codes = villages(home)
        env = {
            **os.environ,
            "FIREGRID_HOME": str(home),
            "FIREGRID_LOG_LEVEL": os.environ.get("FIREGRID_BENCH_LOG_LEVEL", "WARNING"),
        }
        command = [
            sys.executable,
            "-m",
            "firegrid",
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ]
        log = open(os.environ.get("FIREGRID_BENCH_LOG", os.devnull), "wb")  # noqa: SIM115
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            result = asyncio.run(run(base, args, points, codes))
        finally:
            server.terminate()
            server.wait(30)
    rec: Recorder = result["rec"]
    summary = {name: stats(values, args.seconds) for name, values in rec.latencies.items()}
    for name, values in summary.items():
        print(f"{name:14s} {values}")
    lag = stats(result["lags"], args.seconds) if result["lags"] else {}
    print(f"ingest: {result['jobs']} uploads, {result['new']} new detections, upload-to-done {lag}")
    for error in rec.errors[:10]:
        print("error:", error)
    print(
        json.dumps(
            {
                "seconds": args.seconds,
                "clients": args.clients,
                "target_detections_per_min": args.rate,
                # until the last upload was processed (the load time plus the drain): what was sustained
                "ingested_detections_per_min": round(
                    result["new"] / ((args.seconds + result["drained_s"]) / 60)
                ),
                "uploads": result["jobs"],
                "errors": len(rec.errors),
                "drain_s": round(result["drained_s"], 1),
                "my_tasks_p95_ms": summary.get("my_tasks", {}).get("p95_ms"),
                "task_detail_p95_ms": summary.get("task_detail", {}).get("p95_ms"),
                "ingest_upload_p95_ms": summary.get("ingest_upload", {}).get("p95_ms"),
                "ingest_done_p95_ms": lag.get("p95_ms"),
            }
        )
    )


if __name__ == "__main__":
    main()
