"""API latency under load: "my tasks" and the hit-map GeoJSON with 10,000 incidents, 50 clients.

Seeds a fresh home with the Xinzhou sample grid and users and 10,000 incidents with tasks (one
inspector owns 25 of them), starts ``firegrid serve --no-worker`` (one uvicorn process) on
127.0.0.1 (``--workers`` uvicorn processes, 2 by default: one per core here), and runs 50
concurrent clients against each endpoint for ``--seconds`` each, with ``wrk`` (Debian's C load
generator, one thread) when it is installed, else with asyncio + httpx (which needs much of a
core itself and inflates every number):

* ``static``: ``/app/app.css`` (a static file: the server's floor, measured in the same run);
* ``my_tasks``: ``/tasks/mine`` as the inspector;
* ``hits``: ``/stats/hits.geojson`` as admin (10,000 features; clients send no If-None-Match,
  so every answer carries the whole body, from the server's per-version cache).

Prints p50/p95/p99 per endpoint; the last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

from firegrid import sample
from firegrid.cli.demo import DEMO_PASSWORD, sample_users
from firegrid.config import Settings
from firegrid.services.grid import active_version, import_grid, load_tree
from firegrid.store.db import migrate, transaction
from firegrid.store.tables import IncidentRow, TaskAssignee, TaskRow, User
from firegrid.worker.context import build_runtime

INSPECTOR_TASKS = 25


def seed(home: Path, incidents: int) -> str:
    """Grid, users and ``incidents`` incidents with tasks; returns the busy inspector's name."""
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    rng = random.Random(1)
    with transaction(runtime.sessions) as session:
        import_grid(session, sample.path(sample.GRID))
        version = active_version(session)
        assert version is not None
        sample_users(session, version.id)
        tree = load_tree(session, version.id)
        villages = [c for c in tree if c.level == "village"]
        busy = villages[0]
        now = datetime.now(UTC)
        rows, tasks = [], []
        for i in range(incidents):
            cell = busy if i < INSPECTOR_TASKS else rng.choice(villages)
            point = cell.geometry.representative_point()
            seen = now - timedelta(hours=rng.uniform(0, 24 * 30))
            rows.append(
                {
                    "id": i + 1,
                    "status": "open",
                    "hazard": "fire" if i % 10 else "dust",
                    "source_kinds": "satellite_product",
                    "lon": point.x + rng.uniform(-0.001, 0.001),
                    "lat": point.y + rng.uniform(-0.001, 0.001),
                    "first_seen": seen,
                    "last_seen": seen,
                    "n_detections": 1,
                    "cell_code": cell.code,
                    "cell_path": tree.path(cell.code),
                    "created_at": seen,
                    "updated_at": seen,
                }
            )
            choices = ["new", "dispatched", "acknowledged", "confirmed", "rejected", "closed"]
            status = rng.choice(choices[:3] if i < INSPECTOR_TASKS else choices)  # the inspector's are open
            tasks.append(
                {
                    "id": i + 1,
                    "incident_id": i + 1,
                    "cell_code": cell.code,
                    "cell_path": tree.path(cell.code),
                    "source_kind": "satellite_product",
                    "status": status,
                    "verdict": status if status in ("confirmed", "rejected") else None,
                    "acknowledge_by": seen + timedelta(hours=2),
                    "verify_by": seen + timedelta(hours=12),
                    "verified_at": seen + timedelta(hours=3) if status in ("confirmed", "rejected") else None,
                    "created_at": seen,
                    "updated_at": seen,
                }
            )
        session.execute(insert(IncidentRow), rows)
        session.execute(insert(TaskRow), tasks)
        inspector = session.scalars(select(User).where(User.username == f"insp-{busy.code}")).one()
        session.execute(
            insert(TaskAssignee),
            [{"task_id": i + 1, "user_id": inspector.id} for i in range(INSPECTOR_TASKS)],
        )
        if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("incidents", "tasks"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {incidents})"))
    runtime.close()
    return f"insp-{busy.code}"


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format('WRK {"requests": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ',
    summary.requests, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  io.write(string.format('"mean_us": %d, "errors": %d}\\n', latency.mean, errors))
end
"""


def wrk(base: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    """One wrk run (1 thread, ``clients`` connections); percentiles from its histogram."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "-s", script.name]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    data = json.loads(next(line for line in out.splitlines() if line.startswith("WRK "))[4:])
    return {
        "errors": data["errors"],
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "mean_ms": round(data["mean_us"] / 1000, 1),
    }


async def hammer(base: str, path: str, headers: dict[str, str], clients: int, seconds: float) -> list[float]:
    """``clients`` concurrent loops GETting ``path`` for ``seconds``; latencies in ms."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:

        async def loop() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()

        await asyncio.gather(*(loop() for _ in range(clients)))
    return latencies


def stats(latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered), 1),
    }


def token(base: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base}/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firegrid-bench-api-") as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        inspector = seed(home, args.incidents)
        print(f"seeded {args.incidents} incidents in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "FIREGRID_HOME": str(home), "FIREGRID_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "firegrid",
                "serve",
                "--no-worker",
                "--port",
                str(args.port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            admin, mine = token(base, "admin"), token(base, inspector)
            first = time.perf_counter()
            features = len(
                httpx.get(f"{base}/stats/hits.geojson", headers=admin, timeout=60).json()["features"]
            )
            cold_ms = (time.perf_counter() - first) * 1000
            assert len(httpx.get(f"{base}/tasks/mine", headers=mine).json()) == INSPECTOR_TASKS
            client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
            results = {}
            for name, path, headers in (
                ("static", "/app/app.css", {}),
                ("my_tasks", "/tasks/mine", mine),
                ("hits", "/stats/hits.geojson", admin),
            ):
                for _ in range(2):  # every worker process warms its caches
                    httpx.get(base + path, headers=headers, timeout=60)
                if client == "wrk":
                    results[name] = wrk(base, path, headers, args.clients, args.seconds)
                else:
                    latencies = asyncio.run(hammer(base, path, headers, args.clients, args.seconds))
                    results[name] = stats(latencies, args.seconds)
                print(f"{name:9s} {results[name]}")
        finally:
            server.terminate()
            server.wait(20)
    print(f"hit map: {features} features; first (uncached) answer {cold_ms:.0f} ms")
    print(
        json.dumps(
            {
                "incidents": args.incidents,
                "clients": args.clients,
                "load_generator": client,
                "workers": args.workers,
                "static_p95_ms": results["static"]["p95_ms"],
                "my_tasks_p95_ms": results["my_tasks"]["p95_ms"],
                "hits_p95_ms": results["hits"]["p95_ms"],
                "hits_cold_ms": round(cold_ms),
                "my_tasks_ratio": round(results["my_tasks"]["p95_ms"] / results["static"]["p95_ms"], 2),
                "hits_ratio": round(results["hits"]["p95_ms"] / results["static"]["p95_ms"], 2),
                "rps": {k: v["rps"] for k, v in results.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
