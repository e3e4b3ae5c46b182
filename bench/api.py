"""API latency under load: "my tasks" and the hit map with 10,000 incidents, 10 and 50 clients.

Seeds a fresh home with the Xinzhou sample grid and users and ``--incidents`` incidents with tasks
(one inspector owns 25 of them; points at random villages), starts ``firegrid serve --no-worker``
(SQLite) on 127.0.0.1 and runs Debian's ``wrk`` (C, one thread; ``apt-get install wrk``: the bench
refuses to run without it, a Python load generator would share the server's cores) against:

* ``static``: ``/app/app.css``, a static file served by the same processes: the floor, same run;
* ``my_tasks``: ``/tasks/mine`` as the inspector;
* ``hitmap_county`` / ``hitmap_township``: ``/stats/hitmap`` as admin for a 900 x 770-pixel view
  at zoom 10 on 忻府区 and at zoom 12 on the busy inspector's township (what the page loads);
* ``hits_geojson``: ``/stats/hits.geojson``, every incident (the layer the page used before).

Clients send no If-None-Match, so every answer carries its whole body (from the server's
per-version cache). With ``--pin`` (the default on 2+ cores) wrk runs on the last core and the
server on the others (``taskset``), so the load generator never takes the server's CPU; the
server then runs one uvicorn process per core it has. ``--repeat`` rounds (3) of every client count
and endpoint; prints p50/p95/p99 of each and the size of each answer (plain and gzip); the last
line is JSON with the median over rounds of p95 / static p95 (the headline) and p50 / static p50.
``--no-load`` prints only the sizes and the first (uncached) answer times: compare
``--incidents 10000`` with ``100000``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Seeded:
    """The busy inspector and where the bench looks: 忻府区 and the inspector's township."""

    inspector: str
    county_centre: tuple[float, float]
    township_centre: tuple[float, float]


def seed(home: Path, incidents: int) -> Seeded:
    """Grid, users and ``incidents`` incidents with tasks."""
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
    county = tree["140902"].geometry.centroid
    township = next(c for c in tree.ancestors(busy.code) if c.level == "township").geometry.centroid
    return Seeded(f"insp-{busy.code}", (county.x, county.y), (township.x, township.y))


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format('WRK {"requests": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ',
    summary.requests, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  io.write(string.format('"mean_us": %d, "errors": %d}\\n', latency.mean, errors))
end
"""


def wrk(
    base: str, path: str, headers: dict[str, str], clients: int, seconds: float, cpu: str | None
) -> dict[str, float]:
    """One wrk run (1 thread, ``clients`` connections); percentiles from its histogram."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "30s", "-s", script.name]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    pin = ["taskset", "-c", cpu] if cpu else []
    out = subprocess.run([*pin, *command, base + path], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    data = json.loads(next(line for line in out.splitlines() if line.startswith("WRK "))[4:])
    return {
        "errors": data["errors"],
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
    }


def view_bbox(lon: float, lat: float, zoom: int, width: int = 900, height: int = 770) -> str:
    """The WGS84 box of a ``width`` x ``height``-pixel Web-Mercator view centred on lon, lat."""
    scale = 256 * 2**zoom

    def y_of(la: float) -> float:
        return (
            (1 - math.log(math.tan(math.radians(la)) + 1 / math.cos(math.radians(la))) / math.pi) / 2 * scale
        )

    def lat_of(y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))

    x = (lon + 180) / 360 * scale
    y = y_of(lat)
    x0, x1 = x - width / 2, x + width / 2
    return ",".join(
        f"{v:.5f}"
        for v in (
            x0 / scale * 360 - 180,
            lat_of(y + height / 2),
            x1 / scale * 360 - 180,
            lat_of(y - height / 2),
        )
    )


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


def start_server(home: Path, port: int, workers: int, cpus: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FIREGRID_HOME": str(home), "FIREGRID_LOG_LEVEL": "WARNING"}
    pin = ["taskset", "-c", cpus] if cpus else []
    command = [sys.executable, "-m", "firegrid", "serve", "--no-worker", "--port", str(port)]
    server = subprocess.Popen(
        [*pin, *command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


def measure_sizes(base: str, endpoints: dict[str, tuple[str, dict[str, str]]]) -> dict[str, dict[str, Any]]:
    """Per endpoint: the first answer's time (uncached: a warm-up asked for another window), its
    size plain and gzip, its mode."""
    sizes = {}
    for name, (path, headers) in endpoints.items():
        other = path + ("&" if "?" in path else "?") + "since=2000-01-01T00:00:00Z"
        httpx.get(base + other, headers=headers, timeout=120)  # same code paths, another cache key
        started = time.perf_counter()
        response = httpx.get(base + path, headers=headers, timeout=120)
        cold = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        mode = response.json().get("mode") if path.startswith("/stats/hitmap") else None
        sizes[name] = {
            "cold_ms": round(cold),
            "bytes": len(response.content),
            "gzip_bytes": len(gzip.compress(response.content, 6)),
            **({"mode": mode} if mode else {}),
        }
        print(f"{name:16s} {sizes[name]}")
    return sizes


def load(
    base: str,
    endpoints: dict[str, tuple[str, dict[str, str]]],
    clients: list[int],
    args: argparse.Namespace,
    cpu: str | None,
    workers: int,
) -> list[dict[str, dict[str, Any]]]:
    """``--repeat`` rounds of wrk over every client count and endpoint (static first in each)."""
    runs: list[dict[str, dict[str, Any]]] = []
    for round_ in range(args.repeat):
        for n in clients:
            run: dict[str, Any] = {"clients": n}
            for name, (path, headers) in endpoints.items():
                for _ in range(workers * 2):  # every worker process warms its caches
                    httpx.get(base + path, headers=headers, timeout=120)
                run[name] = wrk(base, path, headers, n, args.seconds, cpu)
                print(
                    f"round {round_ + 1} {n:3d} clients {name:16s} {run[name]}  load {os.getloadavg()[0]:.1f}"
                )
            runs.append(run)
    return runs


def median_ratios(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per client count and endpoint: the median over rounds of p95 / static p95 and p50 / static p50."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for n in sorted({r["clients"] for r in runs}):
        rounds = [r for r in runs if r["clients"] == n]
        names = [k for k in rounds[0] if k != "clients"]
        out[str(n)] = {
            name: {
                q: round(statistics.median(r[name][f"{q}_ms"] / r["static"][f"{q}_ms"] for r in rounds), 2)
                for q in ("p95", "p50")
            }
            for name in names
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--clients", default="10,50", help="comma-separated connection counts")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=(os.cpu_count() or 1) >= 2)
    parser.add_argument("--workers", type=int, help="uvicorn processes (default: one per server core)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of load; ratios are their medians")
    parser.add_argument("--no-load", action="store_true", help="only sizes and first-answer times")
    args = parser.parse_args()
    if not args.no_load and shutil.which("wrk") is None:
        raise SystemExit(
            "bench/api.py needs Debian's wrk (apt-get install wrk): a Python load generator "
            "at 50 clients takes the server's cores and inflates every number"
        )
    cores = os.cpu_count() or 1
    server_cpus = f"0-{cores - 2}" if args.pin else None
    client_cpu = str(cores - 1) if args.pin else None
    workers = args.workers or (cores - 1 if args.pin else cores)
    with tempfile.TemporaryDirectory(prefix="firegrid-bench-api-") as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        seeded = seed(home, args.incidents)
        print(f"seeded {args.incidents} incidents in {time.perf_counter() - started:.1f} s")
        server = start_server(home, args.port, workers, server_cpus)
        base = f"http://127.0.0.1:{args.port}"
        try:
            admin, mine = token(base, "admin"), token(base, seeded.inspector)
            county = view_bbox(*seeded.county_centre, 10)
            township = view_bbox(*seeded.township_centre, 12)
            endpoints = {
                "static": ("/app/app.css", {}),
                "my_tasks": ("/tasks/mine", mine),
                "hitmap_county": (f"/stats/hitmap?bbox={county}&zoom=10", admin),
                "hitmap_township": (f"/stats/hitmap?bbox={township}&zoom=12", admin),
                "hits_geojson": ("/stats/hits.geojson", admin),
            }
            sizes = measure_sizes(
                base,
                endpoints
                | {  # the page's other layers: sizes and first answers only
                    "cells_shapes": ("/stats/cells/shapes.geojson?level=township", admin),
                    "cells_counts": ("/stats/cells/counts.json?level=township", admin),
                    "ranking": ("/stats/ranking", admin),
                },
            )
            clients = [] if args.no_load else [int(c) for c in args.clients.split(",")]
            runs = load(base, endpoints, clients, args, client_cpu, workers)
        finally:
            server.terminate()
            server.wait(20)
    summary = {
        "incidents": args.incidents,
        "load": os.getloadavg(),
        "pinned": {"server_cpus": server_cpus, "wrk_cpu": client_cpu} if args.pin else None,
        "workers": workers,
        "sizes": sizes,
        "median_ratios": median_ratios(runs),
        "runs": runs,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
