"""``firegrid model eval``: the full validation report of a shipped model, through the runtime.

Needs no torch: the exported ONNX graph runs through :class:`~firegrid.detect.objects.model.ObjectModel`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.model import ObjectModel
from firegrid.training.config import DataConfig
from firegrid.training.datasets import load_samples
from firegrid.training.evaluate import events as replay_events
from firegrid.training.evaluate import score_samples, speed, summary
from firegrid.training.images import ImageCache

LOW = 0.01


def evaluate_model(
    models: Path, name: str, shared: Path, events: bool = True, data: DataConfig | None = None
) -> dict[str, Any]:
    """AP/AUC with every peak ≥ 0.01; P/R, small-box recall and false alarms at the manifest's thresholds
    (on the validation views of ``data``, by default the shipped model's data)."""
    data = data or DataConfig()
    model = ObjectModel(models, name, threads=1)
    shipped = [model.manifest.threshold(i) for i in range(len(model.classes))]
    model.manifest = model.manifest.model_copy(update={"thresholds": dict.fromkeys(model.classes, LOW)})
    samples = load_samples(shared, data.hpwren, data.cctv, data.negatives_margin, Path(data.review))
    cache = ImageCache()
    report: dict[str, Any] = {"model": model.describe(), "input": model.manifest.input.width}
    for source in ("hpwren", "cctv"):
        chosen = samples.select("val", source)
        if chosen:
            scored = score_samples(model.detect, chosen, model.classes, cache)
            report[f"{source}_val"] = summary(scored, shipped, model.classes)
    model.manifest = model.manifest.model_copy(
        update={"thresholds": dict(zip(model.classes, shipped, strict=True))}
    )
    report["speed"] = speed(model, samples.select("val", "hpwren"), cache)
    if events and (shared / data.hpwren).is_dir():
        report["events"] = replay_events(model, shared / data.hpwren, TemporalConfig())
    return report
