"""``firegrid``: serve, worker, demo, grid, users, heat-sources, ingest, db."""

from __future__ import annotations

import getpass
import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from firegrid.auth.roles import Role
from firegrid.cli import cameras as cameras_cli
from firegrid.cli import common
from firegrid.cli import heat_mask as heat_mask_cli
from firegrid.cli import help as cli_help
from firegrid.cli import models as models_cli
from firegrid.cli import sites as sites_cli
from firegrid.cli import sources as sources_cli
from firegrid.cli.common import err
from firegrid.cli.drones import detect_image
from firegrid.cli.geo import geo_scan
from firegrid.cli.scan import scan
from firegrid.errors import FiregridError
from firegrid.grid.build import FieldMap
from firegrid.services.grid import import_grid
from firegrid.services.heat_sources import import_heat_sources
from firegrid.services.ingest import IngestErrorItem, IngestSummary, create_job, run_job
from firegrid.services.users import add_user, create_api_key
from firegrid.store.db import transaction
from firegrid.worker.context import Runtime

cli_help.install()  # PATH... and bare flags in --help (before the commands are built)
app = typer.Typer(
    help="firegrid: fire points and dust sources, routed to the grid inspector of each village.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
grid_app = typer.Typer(help="The grid tree.", no_args_is_help=True)
users_app = typer.Typer(help="Users and API keys.", no_args_is_help=True)
heat_app = typer.Typer(help="The industrial heat-source registry.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(grid_app, name="grid")
app.add_typer(users_app, name="users")
app.add_typer(heat_app, name="heat-sources")
app.add_typer(db_app, name="db")
app.command("scan")(scan)
app.command("geo-scan")(geo_scan)
app.add_typer(sources_cli.app, name="sources")
app.command("pull")(sources_cli.pull)
app.add_typer(cameras_cli.app, name="cameras")
app.command("watch")(cameras_cli.watch)
app.command("detect-sequence")(cameras_cli.detect_sequence)
app.command("detect-image")(detect_image)
app.add_typer(sites_cli.app, name="sites")
app.add_typer(heat_mask_cli.app, name="heat-mask")
app.command("bare-change")(sites_cli.bare_change)
app.add_typer(models_cli.app, name="model")

FIRE_POINT_SUFFIXES = {".csv", ".txt", ".json", ".geojson", ".xlsx", ".xlsm"}


def main() -> None:
    """Entry point: domain errors become one clear line and exit code 2."""
    try:
        app()
    except FiregridError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker", help="start an embedded worker (default: yes with the embedded broker)"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes (settings come from the environment)")
    ] = 1,
) -> None:
    """Run the API (and, on the embedded default, a worker with the scheduler)."""
    from firegrid.cli.serve import run_service

    run_service(common.settings(), host, port, worker, workers)


@app.command("worker")
def worker_cmd(
    concurrency: Annotated[int, typer.Option(help="worker processes")] = 1,
    beat: Annotated[bool, typer.Option(help="also run the periodic scheduler (one per deployment)")] = False,
    pool: Annotated[str, typer.Option(help="prefork, solo or threads")] = "prefork",
    name: Annotated[str, typer.Option(help="worker node name")] = "firegrid@%h",
    metrics_port: Annotated[
        int | None, typer.Option(help="serve this worker's Prometheus metrics on 0.0.0.0:PORT")
    ] = None,
    parent_pid: Annotated[
        int | None, typer.Option(hidden=True, help="exit when this parent process dies (serve's worker)")
    ] = None,
) -> None:
    """Run a Celery worker (FIREGRID_BROKER_URL=redis://... for several machines)."""
    from firegrid.cli.serve import run_worker

    s = common.settings()
    if metrics_port is not None:
        from firegrid.telemetry import serve_metrics

        serve_metrics(metrics_port, "0.0.0.0")
    run_worker(s, concurrency=concurrency, beat=beat, pool=pool, name=name, parent_pid=parent_pid)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    prepare_only: Annotated[bool, typer.Option(help="load the sample data, do not serve")] = False,
) -> None:
    """Load the Xinzhou sample grid, users, heat sources and fire points, then serve."""
    from firegrid.cli.demo import prepare
    from firegrid.cli.serve import run_service

    s = common.settings()
    with common.runtime(s) as rt:
        notes = prepare(rt, story=True)
    for line in notes:
        typer.echo(line, err=True)
    if not prepare_only:
        run_service(s, host, port, None)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations."""
    s = common.settings()
    with common.runtime(s):
        err.print("database is at the newest revision")


@grid_app.command("import")
def grid_import(
    path: Path,
    name: Annotated[str | None, typer.Option(help="version name")] = None,
    strict: Annotated[bool, typer.Option(help="refuse the import if any feature is rejected")] = True,
    code_field: str | None = None,
    name_field: str | None = None,
    level_field: str | None = None,
    parent_field: str | None = None,
) -> None:
    """Import a grid (GeoJSON / Shapefile / GeoPackage) as the new active version."""
    s = common.settings()
    fields = FieldMap(code_field, name_field, level_field, parent_field)
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        version, report = import_grid(session, path, name=name, fields=fields, strict=strict)
    typer.echo(
        json.dumps(
            {"version": version.id, "cells": version.n_cells, "report": report.as_dict()},
            ensure_ascii=False,
            indent=1,
        )
    )


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="inspector, chief, township_reviewer, county_operator, admin")],
    cell: Annotated[list[str] | None, typer.Option(help="grid cell code (repeatable)")] = None,
    password: Annotated[str | None, typer.Option(help="prompted when omitted")] = None,
    display_name: str = "",
    mobile: str | None = None,
) -> None:
    """Add a user attached to grid cells."""
    s = common.settings()
    password = password or getpass.getpass(f"password for {username}: ")
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        user = add_user(
            session, username, password, role, cell or [], display_name=display_name, mobile=mobile
        )
    typer.echo(json.dumps({"id": user.id, "username": username, "role": role.value, "cells": cell or []}))


@users_app.command("api-key")
def users_api_key(
    name: str,
    role: Annotated[Role, typer.Option()],
    cell: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create an API key for a machine (printed once)."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        row, key = create_api_key(session, name, role, cell)
    typer.echo(json.dumps({"id": row.id, "name": name, "role": role.value, "key": key}))


@heat_app.command("import")
def heat_import(
    path: Path,
    registry: Annotated[str | None, typer.Option(help="registry name (default: file stem)")] = None,
    radius: Annotated[float | None, typer.Option(help="radius in m for points without one")] = None,
) -> None:
    """Import heat sources (CSV with lat/lon, or GeoJSON / Shapefile / GeoPackage)."""
    s = common.settings()
    radius = radius or s.pipeline.heat_source_default_radius_m
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        result = import_heat_sources(session, path, registry=registry, default_radius_m=radius)
    errors = [{"file": str(path), "line": e.line, "message": e.message} for e in result.errors]
    typer.echo(
        json.dumps({"new": result.new, "updated": result.updated, "errors": errors}, ensure_ascii=False)
    )


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FIRE_POINT_SUFFIXES
            )
        else:
            files.append(path)
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders of fire points")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON summary on stdout")] = False,
) -> None:
    """Ingest fire-point files (FIRMS CSV/JSON, CSPP text, bulletins); idempotent."""
    s = common.settings()
    summary = IngestSummary()
    files = _expand(paths)
    with (
        common.runtime(s) as rt,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=as_json,
        ) as progress,
    ):
        bar = progress.add_task("ingest", total=len(files))
        for path in files:
            progress.update(bar, description=path.name[:40])
            summary = summary.add(_ingest_one(rt, path))
            progress.advance(bar)
    if as_json:
        typer.echo(summary.model_dump_json(exclude={"warnings"} if not summary.warnings else set()))
    else:
        _print_summary(summary)


def _ingest_one(rt: Runtime, path: Path) -> IngestSummary:
    if not path.is_file():
        return IngestSummary(errors=[IngestErrorItem(file=str(path), line=None, message="no such file")])
    try:
        with transaction(rt.sessions) as session:
            job = create_job(session, path, filename=str(path), sha256=_sha256(path), submitted_by="cli")
        return run_job(rt.ingest, job.id)
    except (FiregridError, OSError) as exc:  # one bad file never stops the batch
        return IngestSummary(errors=[IngestErrorItem(file=str(path), line=None, message=str(exc))])


def _print_summary(summary: IngestSummary) -> None:
    counts = summary.model_dump(exclude={"errors", "warnings"})
    typer.echo("  ".join(f"{k}={v}" for k, v in counts.items()) + f"  errors={len(summary.errors)}")
    for e in summary.errors[:50]:
        typer.echo(f"  {e.file}:{e.line or '-'}: {e.message}")
    for w in summary.warnings[:50]:
        typer.echo(f"  warning: {w}")
