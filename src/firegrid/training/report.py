"""``firegrid model eval``: the full validation report of a shipped model, through the runtime.

Needs no torch: the exported ONNX graph runs through :class:`~firegrid.detect.objects.model.ObjectModel`
exactly as shipped (the manifest's tiling and thresholds), on validation data only:

* per set (lookout, CCTV, drone, field views): box AP at IoU 0.1 / 0.5 and image AUC with every peak
  ≥ 0.01; precision, box and image recall, small-box recall and false alarms per 1,000 negative frames
  at the shipped thresholds;
* events: the lookout validation sequences replayed through the camera engine (tiles, masks, motion gate,
  temporal confirmation) at the cameras' default settings;
* full-resolution stand-ins (:mod:`synthetic`): small real plumes pasted into 3072 × 2048 frames, found
  with the shipped tiling and with whole frames only;
* full-resolution sequences (:mod:`upscaled`): the lookout validation camera streams enlarged to
  3072 × 2048 (noise, JPEG) with same-view pre-ignition frames, through the engine;
* everyday photos (:mod:`everyday`, where their packages are installed): the share with a box;
* speed on the lookout frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.model import ObjectModel
from firegrid.training.calibrate import scored_val
from firegrid.training.config import DataConfig
from firegrid.training.evaluate import score_samples, speed, summary
from firegrid.training.events import event_metrics, hpwren_sequences
from firegrid.training.everyday import everyday_report
from firegrid.training.fullres import small_plumes
from firegrid.training.images import ImageCache
from firegrid.training.sets import load_samples
from firegrid.training.upscaled import FrameStore, ignition_sequences


def evaluate_model(
    models: Path,
    name: str,
    shared: Path,
    events: bool = True,
    data: DataConfig | None = None,
    temporal: TemporalConfig | None = None,
) -> dict[str, Any]:
    """The report (see the module docstring) on the validation views of ``data`` (default: the shipped
    model's sets)."""
    data = data or DataConfig()
    model = ObjectModel(models, name, threads=1)
    m = model.manifest
    shipped = [m.threshold(i) for i in range(len(model.classes))]
    samples = load_samples(shared, data, Path(data.review), tuple(model.classes))
    cache = ImageCache(max_side=None)
    report: dict[str, Any] = {
        "model": model.describe(),
        "input": m.input.width,
        "tiling": {"slice_size": m.slice_size, "overlap": m.slice_overlap, "whole": m.slice_whole},
        "thresholds": dict(zip(model.classes, shipped, strict=True)),
        "tile_thresholds": m.slice_thresholds,
    }
    for source, scored in scored_val(model, samples, cache).items():
        as_shipped = score_samples(model.detect, samples.select("val", source), model.classes, cache)
        report[f"{source}_val"] = summary(scored, shipped, model.classes, as_shipped)
    report["speed"] = speed(model, samples.select("val", "hpwren"), cache)
    hpwren = shared / data.hpwren
    if events and hpwren.is_dir():
        config = temporal or TemporalConfig()
        report["events"] = event_metrics(model, hpwren_sequences(hpwren), config)
        report["events"]["temporal"] = config.model_dump()
        report["fullres"] = small_plumes(model, samples.select("val", "hpwren"), cache, temporal=config)
        streams = ignition_sequences(hpwren, FrameStore(), "val", Path(data.review))
        report["fullres_sequences"] = event_metrics(model, streams, config)
    report["everyday"] = everyday_report(model)
    return report
