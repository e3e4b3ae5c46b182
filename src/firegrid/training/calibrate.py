"""Per-class thresholds for the shipped inference (tiles + whole frame), chosen on validation views.

Each class is scored through :class:`~firegrid.detect.objects.model.ObjectModel` exactly as shipped,
every peak kept (≥ 0.01), on the validation sets that hold it: ``smoke`` on the lookout, drone and field
views, ``fire`` on the CCTV, drone and field views. The threshold is the one with the best pooled box F1
at IoU 0.1 among those that page on at most ``max_false_alarm`` of the lookout validation negatives
(pre-ignition haze, cloud and sky: the frames a tower camera sees all day); ties go to the higher
threshold (fewer pages).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from firegrid.detect.objects.model import ObjectModel
from firegrid.training.datasets import Samples
from firegrid.training.evaluate import score_samples
from firegrid.training.images import ImageCache
from firegrid.training.metrics import Scored, at_threshold, only_class

log = logging.getLogger(__name__)

LOW = 0.01
CLASS_SOURCES = {"smoke": ("hpwren", "drone", "field"), "fire": ("cctv", "drone", "field")}
GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def scored_val(model: ObjectModel, samples: Samples, cache: ImageCache) -> dict[str, list[Scored]]:
    """Validation images of every source scored at the lowest threshold (the manifest's is restored)."""
    shipped = model.manifest
    model.manifest = shipped.model_copy(update={"thresholds": dict.fromkeys(model.classes, LOW)})
    try:
        return {
            source: score_samples(model.detect, samples.select("val", source), model.classes, cache)
            for source in ("hpwren", "cctv", "drone", "field")
            if samples.select("val", source)
        }
    finally:
        model.manifest = shipped


def calibrate(
    scored: dict[str, list[Scored]], classes: list[str], max_false_alarm: float = 0.05
) -> dict[str, Any]:
    """Thresholds per class and the numbers behind each choice."""
    negatives = [im for im in scored.get("hpwren", []) if not im.positive]
    out: dict[str, Any] = {"thresholds": {}, "detail": {}}
    for class_id, name in enumerate(classes):
        pool = [
            only_class(im, class_id)
            for source in CLASS_SOURCES.get(name, ("hpwren", "cctv", "drone", "field"))
            for im in scored.get(source, [])
        ]
        pool = [im for im in pool if im.positive] + [only_class(im, class_id) for im in negatives]
        best = None
        for t in GRID:
            at = at_threshold(pool, float(t), 0.1)
            fa = at.negatives_alarmed / at.negatives if at.negatives else 0.0
            if fa <= max_false_alarm and (best is None or round(at.f1, 6) >= round(best[1].f1, 6)):
                best = (float(t), at, fa)
        if best is None:  # no threshold keeps the false alarms down: the strictest one
            at = at_threshold(pool, float(GRID[-1]), 0.1)
            best = (float(GRID[-1]), at, at.negatives_alarmed / max(1, at.negatives))
        t, at, fa = best
        out["thresholds"][name] = t
        out["detail"][name] = {
            "f1": round(at.f1, 4),
            "precision": round(at.precision, 4),
            "recall": round(at.recall, 4),
            "lookout_negatives_alarmed": round(fa, 4),
        }
        log.info("threshold %s = %.2f (%s)", name, t, out["detail"][name])
    return out
