"""``firegrid heat-mask ...``: build persistent-heat candidates from history, list and decide them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from firegrid.cli import common
from firegrid.services import heat_mask
from firegrid.services.ownership import Writer
from firegrid.store.db import transaction
from firegrid.store.tables import HeatMaskCandidate, utcnow
from firegrid.suppress.heat_mask import MaskParams

app = typer.Typer(help="The persistent-heat mask (steel works, coking plants, flares).", no_args_is_help=True)


@app.command("build")
def build(
    files: Annotated[
        list[Path] | None, typer.Argument(help="FIRMS archive / NRT files to learn from")
    ] = None,
    history: Annotated[bool, typer.Option(help="also firegrid's own stored satellite detections")] = True,
    cell_deg: Annotated[float, typer.Option(help="grid cell size in degrees")] = 0.004,
    min_days: Annotated[int, typer.Option(help="distinct days that make a candidate")] = 3,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find groups of cells with persistent detections; they wait for an operator's decision."""
    s = common.settings()
    params = MaskParams(cell_deg=cell_deg, min_days=min_days)
    points, problems = heat_mask.file_points(files or [])
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        if history:
            points = heat_mask.merge_points(points, heat_mask.history_points(session))
        report = heat_mask.build(session, points, params, utcnow())
        rows = [session.get_one(HeatMaskCandidate, i) for i in report.candidates]
        listing = [_row(r) for r in rows]
    summary = {"points": report.points, "candidates": len(listing), "new": report.new, "problems": problems}
    if as_json:
        typer.echo(json.dumps(summary | {"list": listing}, ensure_ascii=False, default=str))
        return
    typer.echo(f"{report.points} points: {len(listing)} candidate(s), {report.new} new")
    for r in listing:
        typer.echo(f"  #{r['id']} {r['lat']:.4f}N {r['lon']:.4f}E {r['status']}: {'; '.join(r['reasons'])}")


def _row(r: HeatMaskCandidate) -> dict[str, Any]:
    return {
        "id": r.id,
        "key": r.key,
        "status": r.status,
        "lon": round(r.lon, 5),
        "lat": round(r.lat, 5),
        "days": r.days,
        "night_overpasses": r.night_overpasses,
        "detections": r.detections,
        "score": r.score,
        "reasons": r.reasons,
    }


@app.command("list")
def list_candidates(
    status: Annotated[str, typer.Option(help="proposed, accepted or rejected")] = "proposed",
) -> None:
    """Candidates as JSON lines, strongest first."""
    s = common.settings()
    with common.runtime(s) as rt, rt.sessions() as session:
        query = select(HeatMaskCandidate).where(HeatMaskCandidate.status == status)
        for row in session.scalars(query.order_by(HeatMaskCandidate.score.desc())):
            typer.echo(json.dumps(_row(row), ensure_ascii=False))


@app.command("decide")
def decide(
    candidate: int,
    accept: Annotated[bool, typer.Option("--accept/--reject", help="mask it, or not")],
    by: Annotated[str, typer.Option(help="who decides (audit)")] = "cli",
) -> None:
    """Accept (detections inside are suppressed from now on) or reject a candidate."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        row = heat_mask.decide(session, candidate, accept, Writer(by), utcnow())
        typer.echo(json.dumps({"id": row.id, "status": row.status, "heat_source_id": row.heat_source_id}))
