"""``firegrid sites ...`` (registry and the 5000 m2 video rule) and ``firegrid bare-change``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from firegrid.cli import common
from firegrid.detect.dust.baresoil import BareSoilDetector
from firegrid.detect.dust.change import detect_new_bare
from firegrid.detect.dust.scan import dust_detections
from firegrid.imagery.open import open_scene
from firegrid.services.ingest import ingest_detections
from firegrid.services.sites import compliance_report, describe_site, import_sites, run_compliance
from firegrid.sites.compliance import SiteCompliance
from firegrid.store.db import transaction
from firegrid.store.tables import SiteRow

app = typer.Typer(help="Construction sites: registry and the video/monitor rule.", no_args_is_help=True)


@app.command("import")
def import_file(path: Path) -> None:
    """Add or update the sites of a GeoJSON / GeoPackage / Shapefile / CSV (WKT column) file."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        result = import_sites(session, path)
    typer.echo(
        json.dumps(
            {
                "new": result.new,
                "updated": result.updated,
                "errors": [{"line": e.line, "message": e.message} for e in result.errors],
            },
            ensure_ascii=False,
        )
    )
    if result.errors:
        raise typer.Exit(1)


@app.command("list")
def list_sites() -> None:
    """Every site with its geodesic area, status and cameras (JSON lines)."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        for row in session.scalars(select(SiteRow).order_by(SiteRow.id)):
            site = describe_site(session, row)
            site.pop("polygon")
            typer.echo(json.dumps(site, ensure_ascii=False, default=str))


def _verdict(c: SiteCompliance) -> dict[str, Any]:
    return {
        "site": c.site_id,
        "area_m2": round(c.area_m2, 1),
        "requirement": c.requirement,
        "violations": [asdict(v) for v in c.violations],
    }


@app.command("compliance")
def compliance(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    tasks: Annotated[
        bool, typer.Option(help="open a task per new violation (deduplicated while it is open)")
    ] = False,
) -> None:
    """Sites of 5000 m2 and more without an online camera (and PM10 monitor, when required)."""
    s = common.settings()
    now = datetime.now(UTC)
    with common.runtime(s) as rt:
        if tasks:
            run = run_compliance(rt.ingest, s.sites, now)
            report, opened, resolved = run.report, run.opened, run.resolved
        else:
            with transaction(rt.sessions) as session:
                report, opened, resolved = compliance_report(session, s.sites, now), [], []
    verdicts = [_verdict(c) for c in report]
    summary = {
        "rule": s.sites.model_dump(),
        "sites": verdicts,
        "violations": sum(len(v["violations"]) for v in verdicts),
        "review": [v["site"] for v in verdicts if v["requirement"] == "review"],
        "opened": opened,
        "resolved": resolved,
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    for v in verdicts:
        problems = "; ".join(f"{x['kind']}: {x['detail']}" for x in v["violations"]) or "ok"
        typer.echo(f"{v['site']}: {v['area_m2']:.0f} m2 {v['requirement']}: {problems}")


def bare_change(
    before: Annotated[Path, typer.Argument(help="the earlier scene")],
    after: Annotated[list[Path], typer.Argument(help="later scene(s) on the same grid, oldest first")],
    landcover: Annotated[Path | None, typer.Option(help="land-cover GeoTIFF for patch kinds")] = None,
    persistence: Annotated[int | None, typer.Option(help="later scenes a pixel must be bare in")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    ingest: Annotated[bool, typer.Option(help="feed the new bare-land patches into the pipeline")] = True,
) -> None:
    """New bare land (fresh earthworks, new stockpiles) between an earlier and later scenes."""
    s = common.settings()
    params = s.dust
    if persistence is not None:
        params = params.model_copy(
            update={"change": params.change.model_copy(update={"persistence": persistence})}
        )
    detector = BareSoilDetector(s.models_path(), params.sample_step)
    first = open_scene(before, "auto", s.scan.s2_offset, 10)
    later = [open_scene(p, "auto", s.scan.s2_offset, 10) for p in after]
    result = detect_new_bare(first, later, detector, params, s.scan.window_size, landcover)
    summary = result.summary()
    if ingest and result.patches and result.scene.acquired_at is not None:
        with common.runtime(s) as rt:
            summary["ingest"] = ingest_detections(
                rt.ingest, dust_detections(result), label=f"{result.scene.scene_id} new bare land"
            ).model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        typer.echo(f"{result.scene.scene_id}: {len(result.patches)} new bare-land patch(es)")
        for p in summary["dust_patches"][:50]:
            typer.echo(f"  {p['lat']:.5f}N {p['lon']:.5f}E  {p['area_m2']:.0f} m2  score {p['score']}")
