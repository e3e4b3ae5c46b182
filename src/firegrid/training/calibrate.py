"""Per-class thresholds for the shipped inference (tiles + whole frame), chosen on validation views.

Each class is scored through :class:`~firegrid.detect.objects.model.ObjectModel` exactly as shipped,
every peak kept (≥ 0.01), on the validation sets that hold it: ``smoke`` on the lookout, drone and field
views, ``fire`` on the CCTV, drone and field views. The threshold is the one with the best pooled box F1
at IoU 0.1 among those that page on at most ``max_false_alarm`` of the lookout validation negatives
(pre-ignition haze, cloud and sky: the frames a tower camera sees all day); ties go to the higher
threshold (fewer pages). Boxes found in tiles are scored here with the same thresholds.

Tiles then get their own, higher bar (:func:`tile_thresholds`): full-size 3072 × 2048 frames built only of
lookout validation negatives at their own resolution (:func:`fullres.mosaic`: sharp haze, cloud and terrain,
each tile seen as a training frame) are run tile by tile, and per class the lowest threshold (not below the
whole-frame one) at which at most ``max_false_alarm`` of those frames hold a box is kept. Without it, every
such frame held a false box (3.4 a frame at the whole-frame thresholds).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.objects.slicer import sliced
from firegrid.training.datasets import Sample, Samples
from firegrid.training.evaluate import score_samples
from firegrid.training.fullres import mosaic
from firegrid.training.images import ImageCache
from firegrid.training.metrics import Scored, at_threshold, only_class

log = logging.getLogger(__name__)

LOW = 0.01
CLASS_SOURCES = {"smoke": ("hpwren", "drone", "field"), "fire": ("cctv", "drone", "field")}
GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def scored_val(model: ObjectModel, samples: Samples, cache: ImageCache) -> dict[str, list[Scored]]:
    """Validation images of every source scored at the lowest threshold (the manifest's is restored)."""
    shipped = model.manifest
    low = dict.fromkeys(model.classes, LOW)
    model.manifest = shipped.model_copy(update={"thresholds": low, "slice_thresholds": low})
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


def tile_thresholds(
    model: ObjectModel,
    negatives: list[Sample],
    cache: ImageCache,
    whole: dict[str, float],
    frames: int = 40,
    max_false_alarm: float = 0.05,
    seed: int = 29,
) -> dict[str, Any]:
    """Per-class thresholds for boxes found in tiles (module docstring), and the false-alarm share."""
    m = model.manifest
    if not m.slice_size or not negatives:
        return {"thresholds": {}, "frames": 0}
    rng = np.random.default_rng(seed)
    low = dict.fromkeys(model.classes, LOW)
    model.manifest = m.model_copy(update={"thresholds": low, "slice_thresholds": low})
    best = np.zeros((frames, len(model.classes)), np.float32)  # highest tile score per frame and class
    try:
        for k in range(frames):
            frame = mosaic(negatives, cache, rng)
            boxes = sliced(model.detect_whole, frame, m.slice_size, m.slice_overlap, m.nms_iou, whole=False)
            for c in range(len(model.classes)):
                scores = boxes.score[boxes.class_id == c]
                best[k, c] = scores.max() if len(scores) else 0.0
    finally:
        model.manifest = m
    chosen, alarmed = {}, {}
    for c, name in enumerate(model.classes):
        grid = [float(t) for t in GRID if t >= whole.get(name, 0.0)] or [float(GRID[-1])]
        t = next((t for t in grid if float((best[:, c] >= t).mean()) <= max_false_alarm), grid[-1])
        chosen[name], alarmed[name] = t, round(float((best[:, c] >= t).mean()), 4)
    log.info("tile thresholds %s (full-size negative frames with a box: %s)", chosen, alarmed)
    return {"thresholds": chosen, "frames": frames, "frames_alarmed": alarmed}


def calibrate_model(
    folder: Path,
    name: str,
    samples: Samples,
    max_false_alarm: float = 0.05,
    ceiling: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Choose both sets of thresholds for ``folder/name`` and write them into its manifest. ``ceiling``:
    whole-frame thresholds no higher than these (a class's recall kept where an earlier version had it)."""
    model = ObjectModel(folder, name, threads=1)
    cache = ImageCache(max_side=None)  # full frames: the shipped tiling
    chosen = calibrate(scored_val(model, samples, cache), model.classes, max_false_alarm)
    for cls, top in (ceiling or {}).items():
        if chosen["thresholds"].get(cls, 0.0) > top:
            chosen["detail"][cls]["calibrated"] = chosen["thresholds"][cls]
            chosen["thresholds"][cls] = top
    model.manifest = model.manifest.model_copy(update={"thresholds": chosen["thresholds"]})
    negatives = [s for s in samples.select("val", "hpwren") if s.role == "negative"]
    tiles = tile_thresholds(model, negatives, cache, chosen["thresholds"], max_false_alarm=max_false_alarm)
    path = folder / f"{name}.json"
    data = json.loads(path.read_text())
    data["thresholds"], data["slice_thresholds"] = chosen["thresholds"], tiles["thresholds"]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return {**chosen, "tiles": tiles}
