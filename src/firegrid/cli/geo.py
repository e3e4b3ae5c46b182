"""``firegrid geo-scan``: one geostationary slot (Himawari HSD, FY-4B AGRI L1, GOES ABI L1b) from files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from firegrid.cli import common
from firegrid.errors import InputError
from firegrid.services.geostationary import process_slot


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out += sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    if not out:
        raise InputError("no files given")
    return out


def geo_scan(
    paths: Annotated[list[Path], typer.Argument(help="the slot's files, or a folder holding them")],
    reader: Annotated[
        str | None,
        typer.Option(help="satpy reader: ahi_hsd, agri_fy4b_l1 or abi_l1b (default: by file name)"),
    ] = None,
    bbox: Annotated[
        str | None,
        typer.Option(help="W,S,E,N to read (default: FIREGRID_GEOSTATIONARY__BBOX or grid + buffer)"),
    ] = None,
    ingest: Annotated[bool, typer.Option(help="feed the fire pixels into the pipeline")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
) -> None:
    """Detect fires in one slot (contextual + per-pixel temporal test), then ingest them."""
    s = common.settings()
    if bbox is not None:
        try:
            west, south, east, north = (float(v) for v in bbox.split(","))
        except ValueError:
            raise typer.BadParameter("W,S,E,N in degrees", param_hint="--bbox") from None
        s.geostationary.bbox = (west, south, east, north)
    with common.runtime(s) as rt:
        report = process_slot(
            rt.geostationary, _files(paths), reader=reader, ingest=ingest, submitted_by="cli"
        )
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    d = report.detection
    typer.echo(
        f"{report.label}: {d['fire_pixels']} fire pixels {d['by_method']} of {d['pixels']} "
        f"({d['clear']} clear, {d['cloudy']} cloudy); seconds {report.seconds}"
    )
    if ingest:
        counts = report.summary.model_dump(exclude={"errors", "warnings"})
        typer.echo("  ".join(f"{k}={v}" for k, v in counts.items()))
    for note in d["notes"]:
        typer.echo(f"note: {note}")
