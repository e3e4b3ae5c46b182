"""``firegrid model train|eval|calibrate|dataset export``: train the smoke/fire detector, report its
validation metrics, choose its thresholds for tiled inference, export the field's reviewed alarms.

Training needs the ``train`` extra (torch CPU + EfficientNet-Lite0 weights); it is imported on use only.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from firegrid.cli import common
from firegrid.errors import ConfigError

app = typer.Typer(help="Train and evaluate the smoke/fire detector.", no_args_is_help=True)
dataset_app = typer.Typer(help="Datasets from the field (reviewed alarms).", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")

SharedOpt = Annotated[
    Path | None, typer.Option(help="shared-data root (default $FIREGRID_SHARED_DATA or ../shared/data)")
]


def _shared(path: Path | None) -> Path:
    root = path or Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data"))
    if not root.is_dir():
        raise ConfigError(f"shared-data root {root} not found (set FIREGRID_SHARED_DATA or --shared)")
    return root


def _training() -> Any:
    try:
        from firegrid.training import train as training
    except ImportError as exc:  # torch missing: the runtime install has no training stack
        raise ConfigError(f"training needs the train extra (pip install '.[train]'): {exc}") from exc
    return training


@app.command("train")
def train(
    config: Annotated[Path, typer.Option(help="run file")] = Path("training/smoke-fire.yaml"),
    out: Annotated[Path | None, typer.Option(help="where the ONNX + manifest go (default: models/)")] = None,
    run_dir: Annotated[Path | None, typer.Option(help="log and checkpoint folder")] = None,
    shared: SharedOpt = None,
    evaluate: Annotated[bool, typer.Option(help="run `model eval` on the result")] = True,
) -> None:
    """Train, export to ONNX with its manifest, choose thresholds on the validation views, evaluate."""
    training = _training()
    from firegrid.training.config import TrainConfig

    s = common.settings()
    cfg = TrainConfig.load(config)
    out = out or s.models_path()
    result = training.train(cfg, _shared(shared), out, run_dir or Path("var/runs") / cfg.name, Path.cwd())
    typer.echo(f"model: {result.onnx}\nmanifest: {result.manifest}\nlog: {result.log}")
    if evaluate:
        _report(cfg.name, out, _shared(shared), None, events=True, config=config)


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Option(help="model name in the models folder")] = "smoke-fire",
    models: Annotated[Path | None, typer.Option(help="models folder (default: the configured one)")] = None,
    shared: SharedOpt = None,
    output: Annotated[Path | None, typer.Option(help="also write the report as JSON here")] = None,
    events: Annotated[bool, typer.Option(help="replay the validation sequences (slower)")] = True,
    config: Annotated[
        Path | None, typer.Option(help="run file whose data section names the validation sets")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="an earlier report (JSON): exit 1 if this model is worse on any set")
    ] = None,
) -> None:
    """Metrics on the validation views only, at the manifest's thresholds, one ONNX Runtime thread."""
    s = common.settings()
    report = _report(name, models or s.models_path(), _shared(shared), output, events, config)
    if compare is not None:
        from firegrid.training.compare import compare as compare_reports
        from firegrid.training.compare import markdown, verdict

        old = json.loads(compare.read_text())
        rows = compare_reports(old, _clean(report))
        typer.echo(markdown(rows, old["model"]["version"], report["model"]["version"]))
        if not verdict(rows):
            typer.echo("worse than the earlier model on at least one set: do not ship", err=True)
            raise typer.Exit(1)
        typer.echo("not worse on any set")


@app.command("calibrate")
def calibrate(
    name: Annotated[str, typer.Option(help="model name in the models folder")] = "smoke-fire",
    models: Annotated[Path | None, typer.Option(help="models folder (default: the configured one)")] = None,
    shared: SharedOpt = None,
    config: Annotated[Path, typer.Option(help="run file naming the validation sets")] = Path(
        "training/smoke-fire.yaml"
    ),
    max_false_alarm: Annotated[
        float, typer.Option(help="share of lookout validation negatives a threshold may page on")
    ] = 0.05,
) -> None:
    """Choose per-class thresholds for the shipped (tiled) inference on the validation views, and the tile
    thresholds on full-size frames of validation negatives; write both into the manifest. The run file's
    ``thresholds_max`` caps the whole-frame thresholds as in training."""
    from firegrid.training.calibrate import calibrate_model
    from firegrid.training.config import TrainConfig
    from firegrid.training.sets import load_samples

    folder = models or common.settings().models_path()
    run = TrainConfig.load(config)
    data = run.data
    samples = load_samples(_shared(shared), data, Path(data.review), ("smoke", "fire"))
    chosen = calibrate_model(folder, name, samples, max_false_alarm, run.thresholds_max)
    typer.echo(json.dumps(chosen, indent=2))


@dataset_app.command("export")
def dataset_export(
    out: Annotated[Path, typer.Option(help="folder to write (images/ and index.csv)")],
    val_share: Annotated[
        float, typer.Option(help="latest share of each preset's frames for validation")
    ] = 0.2,
) -> None:
    """Camera and drone alarms with a verdict → frames, boxes, labels (查实: the class; 查否: none)."""
    from firegrid.services.field_dataset import export_dataset

    s = common.settings()
    with common.runtime(s) as rt, rt.sessions() as session:
        counts = export_dataset(session, out, val_share)
    typer.echo(json.dumps({"out": str(out), "frames": counts}, ensure_ascii=False))


def _report(
    name: str, models: Path, shared: Path, output: Path | None, events: bool, config: Path | None = None
) -> dict[str, Any]:
    from firegrid.training.config import TrainConfig
    from firegrid.training.report import evaluate_model

    data = TrainConfig.load(config).data if config else None
    report = evaluate_model(models, name, shared, events=events, data=data)
    if output:
        output.write_text(json.dumps(_clean(report), indent=2) + "\n")
    from firegrid.training.evaluate import markdown

    typer.echo(markdown(report))
    typer.echo(f"speed: {report['speed']['ms_per_frame']:.1f} ms/frame (1 thread, {report['input']} px)")
    if "events" in report:
        e = report["events"]
        typer.echo(
            f"events: {e['detected']}/{e['with_smoke']} sequences alarmed, median delay "
            f"{e['median_delay_frames']} frames, {e['sequences_with_pre_ignition_alarm']} with a "
            f"pre-ignition alarm, {e['false_alarms_per_1000_frames']:.1f} false alarms per 1,000 frames"
        )
    if "fullres_sequences" in report:
        e = report["fullres_sequences"]
        typer.echo(
            f"full-resolution sequences: {e['detected']}/{e['with_smoke']} alarmed, "
            f"{e['detected_within_5']} within 5 frames, {e['sequences_with_pre_ignition_alarm']} with a "
            f"pre-ignition alarm ({e['pre_ignition_frames']} pre-ignition frames)"
        )
    if report.get("everyday", {}).get("photos"):
        d = report["everyday"]
        typer.echo(
            f"everyday photos: {len(d['paging'])}/{d['photos']} page "
            f"({len(d['paging_1080'])}/{d['photos']} at 1920 px)"
        )
    if report.get("fullres"):
        f = report["fullres"]
        typer.echo(
            f"full-resolution stand-ins: plume at {f['plume_share']:.2%} found in {f['found_tiled']}/"
            f"{f['frames']} frames tiled, {f['found_whole_frame_only']}/{f['frames']} whole-frame only"
        )
    return report


def _clean(value: Any) -> Any:
    """NaN → null for JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
