"""``firegrid sources ...`` and ``firegrid pull``: configure, inspect, run and backfill sources."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from firegrid.cli import common
from firegrid.services.ingest import IngestSummary
from firegrid.services.scenes import run_scene_job
from firegrid.services.sources import backfill, describe, import_sources, run_scheduled
from firegrid.store.db import transaction
from firegrid.store.tables import SourceRow

app = typer.Typer(
    help="Acquisition sources (FIRMS, Sentinel Hub, watch folders) and their health.", no_args_is_help=True
)


@app.command("import")
def import_file(path: Path) -> None:
    """Add or update the sources of a YAML file (``sources: [...]``)."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        names = import_sources(session, path, s)
    typer.echo(json.dumps({"sources": names}))


@app.command("list")
def list_sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every source with its health."""
    s = common.settings()
    now = datetime.now(UTC)
    with common.runtime(s) as rt, rt.sessions() as session:
        rows = [describe(r, s, now) for r in session.scalars(select(SourceRow).order_by(SourceRow.name))]
    if as_json:
        typer.echo(json.dumps(rows, default=str, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            f"{r['name']:<24} {r['kind']:<14} {r['state']:<13} next {r['next_run_at'] or '-'}  "
            f"{r['problem'] or ''}"
        )


@app.command("run")
def run(name: str) -> None:
    """Run one source now (scene jobs it finds run in this process)."""
    s = common.settings()
    with common.runtime(s) as rt:

        def scan_here(job_id: int) -> None:
            run_scene_job(rt.scan, job_id)

        report = run_scheduled(rt.sources(scan_here), name)
    if report is None:
        typer.echo(f"{name} is running elsewhere", err=True)
        raise typer.Exit(1)
    typer.echo(report.summary.model_dump_json())


def pull(
    source: Annotated[str, typer.Argument(help="source name (see `firegrid sources list`)")],
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="first day (UTC)")],
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day (default: since)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the ingest summary as JSON")] = False,
) -> None:
    """Re-pull a window of days from a source (idempotent); scenes found are scanned here."""
    s = common.settings()
    first: date = since.date()
    last: date = (until or since).date()
    with (
        common.runtime(s) as rt,
        Progress(
            TextColumn(source),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=common.err,
            transient=as_json,
        ) as progress,
    ):
        bar = progress.add_task(source, total=None)
        scene_summaries: list[dict[str, object]] = []
        ctx = rt.sources(lambda job_id: scene_summaries.append(run_scene_job(rt.scan, job_id)))
        report = backfill(
            ctx, source, first, last, lambda done, total: progress.update(bar, completed=done, total=total)
        )
    summary = report.summary
    for scene in scene_summaries:
        ingest = scene.get("ingest")
        if isinstance(ingest, dict):
            summary = summary.add(IngestSummary.model_validate(ingest))
    if as_json:
        typer.echo(summary.model_dump_json(exclude={"warnings"} if not summary.warnings else set()))
    else:
        counts = summary.model_dump(exclude={"errors", "warnings"})
        typer.echo(
            "  ".join(f"{k}={v}" for k, v in counts.items())
            + f"  errors={len(summary.errors)}"
            + (f"  scenes={report.scenes_queued}" if report.scenes_queued else "")
        )
