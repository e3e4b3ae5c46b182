"""``firegrid cameras ...``, ``firegrid watch`` and ``firegrid detect-sequence``."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from firegrid.cameras.config import TemporalConfig
from firegrid.cameras.replay import replay
from firegrid.cli import common
from firegrid.detect.objects.model import ObjectModel
from firegrid.errors import InputError
from firegrid.services.camera_masks import list_masks, set_active
from firegrid.services.cameras import describe_camera, due_cameras, import_cameras, patrol_safely
from firegrid.store.db import transaction
from firegrid.store.tables import CameraRow

app = typer.Typer(help="The camera registry and its health.", no_args_is_help=True)
FRAME_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


@app.command("import")
def import_file(path: Path) -> None:
    """Add or update the cameras of a YAML/JSON registry file."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        ids = import_cameras(session, path, s.guard())
    typer.echo(json.dumps({"cameras": ids}))


@app.command("list")
def list_cameras() -> None:
    """Every camera with its health (no credentials)."""
    s = common.settings()
    with common.runtime(s) as rt, rt.sessions() as session:
        rows = [describe_camera(r) for r in session.scalars(select(CameraRow).order_by(CameraRow.id))]
    typer.echo(json.dumps(rows, default=str, ensure_ascii=False))


@app.command("masks")
def masks(
    camera: Annotated[str, typer.Argument(help="camera id")],
    off: Annotated[int | None, typer.Option(help="switch this learned mask off")] = None,
    on: Annotated[int | None, typer.Option(help="switch this learned mask on again")] = None,
) -> None:
    """The no-alert boxes a camera learned from reviewed rejections (查否) of its alarms."""
    s = common.settings()
    with common.runtime(s) as rt, transaction(rt.sessions) as session:
        for mask_id, active in ((off, False), (on, True)):
            if mask_id is not None:
                set_active(session, mask_id, active)
        rows = list_masks(session, camera)
    typer.echo(json.dumps(rows, default=str, ensure_ascii=False))


def watch(
    cameras: Annotated[Path | None, typer.Option(help="registry file to import first")] = None,
    once: Annotated[bool, typer.Option(help="patrol every camera once and stop")] = False,
) -> None:
    """Run camera patrols in this process with a bounded pool (Celery workers do the same at scale)."""
    s = common.settings()
    with common.runtime(s) as rt:
        if cameras is not None:
            with transaction(rt.sessions) as session:
                import_cameras(session, cameras, s.guard())
        ctx = rt.cameras()
        with ThreadPoolExecutor(max_workers=s.cameras.pool_size) as pool:
            while True:
                with rt.sessions() as session:
                    due = due_cameras(session, datetime.now(UTC))
                for report in pool.map(lambda camera_id: patrol_safely(ctx, camera_id), due):
                    typer.echo(
                        json.dumps(
                            {
                                "camera": report.camera,
                                "frames": report.frames,
                                "boxes": report.boxes,
                                "events": report.events,
                                "problem": report.problem,
                            }
                        )
                    )
                if once:
                    return
                time.sleep(1.0)


def _frames(folder: Path, timestamps: Path | None) -> list[tuple[str, Path]]:
    """Frames sorted by a timestamp file (``name,time`` lines) or by name."""
    files = {p.name: p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES}
    if not files:
        raise InputError(f"{folder}: no frames (*.jpg, *.png)")
    if timestamps is None:
        return sorted(files.items())
    order = []
    for line in timestamps.read_text().splitlines():
        name, _, stamp = line.partition(",")
        if name.strip() in files:
            order.append((stamp.strip(), name.strip()))
    return [(name, files[name]) for _, name in sorted(order)]


def detect_sequence(
    folder: Annotated[Path, typer.Argument(help="a folder of frames of one camera view")],
    model: Annotated[str | None, typer.Option(help="model name in models/")] = None,
    timestamps: Annotated[Path | None, typer.Option(help="CSV of name,time to order frames")] = None,
    window: Annotated[
        int | None, typer.Option(help="temporal window (frames) [default: the cameras']")
    ] = None,
    min_hits: Annotated[
        int | None, typer.Option(help="frames that must show the box [default: the cameras', 2]")
    ] = None,
    conf_thresh: Annotated[
        float | None, typer.Option(help="summed confidence / window must exceed this [default: the cameras']")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replay frames through the detector and the temporal confirmation; print the alarms."""
    s = common.settings()
    detector = ObjectModel(s.models_path(), model or s.cameras.model, s.cameras.threads)
    given = {"frames": window, "min_hits": min_hits, "conf_thresh": conf_thresh}
    config = TemporalConfig(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    frames = _frames(folder, timestamps)
    alarms = [a.as_dict() for a in replay([(name, str(path)) for name, path in frames], detector, config)]
    result = {"frames": len(frames), "model": detector.describe(), "alarms": alarms}
    typer.echo(
        json.dumps(result)
        if as_json
        else "\n".join(f"{a['frame']}: {a['class']} {a['score']}" for a in alarms) or "no alarms"
    )
