"""Evaluate a detector on the validation views: box AP, image AUC, P/R at the shipped thresholds, speed.

Works on any predictor ``image → Boxes`` (image pixels): the exported ONNX model through the runtime's
:class:`~firegrid.detect.objects.model.ObjectModel` for reported numbers, the torch network during training.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.model import ObjectModel
from firegrid.training.datasets import Sample
from firegrid.training.images import ImageCache
from firegrid.training.metrics import (
    Scored,
    at_threshold,
    average_precision,
    best_threshold,
    roc_auc,
    thresholded,
)

log = logging.getLogger(__name__)

Predictor = Callable[[np.ndarray], Boxes]
SMALL_PX = 32.0
SOURCES = ("hpwren", "cctv", "drone", "field")
SETS = tuple(f"{s}_val" for s in SOURCES)


def score_samples(
    predict: Predictor, samples: list[Sample], classes: list[str], cache: ImageCache
) -> list[Scored]:
    """Predictions (in the original image's pixels) with their ground truth."""
    out = []
    for sample in samples:
        image, scale = cache.get(sample.path)
        boxes = predict(image)
        predicted = Boxes(boxes.xyxy / scale, boxes.score, boxes.class_id)
        truth_class = np.array([classes.index(n) for n in sample.labels], np.int64)
        out.append(Scored(sample.path.name, predicted, sample.boxes, truth_class))
    return out


def summary(
    images: list[Scored], thresholds: list[float], classes: list[str], shipped: list[Scored] | None = None
) -> dict[str, Any]:
    """AP at IoU 0.1/0.5 (overall and per class), image AUC, counts at per-class ``thresholds`` (IoU 0.1).

    ``images`` hold every peak; ``shipped``, when given, are the same images run as shipped (tiles meet
    their own thresholds) and give the counts at the thresholds."""
    labels = np.array([im.positive for im in images])
    scores = np.array([im.score for im in images], np.float64)
    at_shipped = thresholded(shipped if shipped is not None else images, thresholds)
    at = at_threshold(at_shipped, 0.0, 0.1, SMALL_PX)
    out: dict[str, Any] = {
        "images": len(images),
        "positive_images": int(labels.sum()),
        "negative_images": int((~labels).sum()),
        "ap10": average_precision(images, 0.1),
        "ap50": average_precision(images, 0.5),
        "auc": roc_auc(scores, labels),
        "thresholds": dict(zip(classes, thresholds, strict=True)),
        "precision": at.precision,
        "recall": at.recall,
        "small_recall": at.small_found / at.small_total if at.small_total else float("nan"),
        "small_boxes": at.small_total,
        "false_alarm_rate": at.negatives_alarmed / at.negatives if at.negatives else float("nan"),
        "false_alarms_per_1000_frames": 1000 * at.negatives_alarmed / at.negatives
        if at.negatives
        else float("nan"),
        "image_recall": image_recall(at_shipped, thresholds),
    }
    for i, name in enumerate(classes):
        if any((im.truth_class == i).any() for im in images):
            out[f"ap10_{name}"] = average_precision(images, 0.1, i)
            out[f"ap50_{name}"] = average_precision(images, 0.5, i)
    return out


def image_recall(images: list[Scored], thresholds: list[float]) -> float:
    """Share of images holding an object that get at least one box at the thresholds (an alarm-able
    frame, wherever the box is)."""
    positives = [im for im in thresholded(images, thresholds) if im.positive]
    return sum(len(im.predicted) > 0 for im in positives) / len(positives) if positives else float("nan")


def choose_threshold(images: list[Scored]) -> float:
    """The score threshold with the best box F1 at IoU 0.1 on these images."""
    return best_threshold(images, 0.1).threshold


def speed(model: ObjectModel, samples: list[Sample], cache: ImageCache, n: int = 50) -> dict[str, float]:
    """Mean milliseconds per frame (pre-processing, inference, post-processing) on the model's threads."""
    frames = [cache.get(s.path)[0] for s in samples[:n]]
    for image in frames[:3]:
        model.detect(image)  # warm-up: session creation, allocator
    total, infer = [], []
    for image in frames:
        t0 = time.perf_counter()
        model.detect(image)
        total.append((time.perf_counter() - t0) * 1e3)
        infer.append(model.timings.inference_ms)
    return {
        "ms_per_frame": float(np.mean(total)),
        "inference_ms": float(np.mean(infer)),
        "frames": len(frames),
    }


def markdown(report: dict[str, Any]) -> str:
    """The metrics table of the model card."""
    lines = [
        "| set | images (pos/neg) | AP@0.1 | AP@0.5 | image AUC | P | R (boxes) | R (images) "
        "| R small (<32 px) | FA / 1,000 neg. frames |"
    ]
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for name in SETS:
        m = report.get(name)
        if not m:
            continue
        lines.append(
            f"| {name} | {m['images']} ({m['positive_images']}/{m['negative_images']}) | {m['ap10']:.3f} | "
            f"{m['ap50']:.3f} | {m['auc']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"{m['image_recall']:.3f} | {m['small_recall']:.3f} (n={m['small_boxes']}) | "
            f"{m['false_alarms_per_1000_frames']:.0f} |"
        )
    return "\n".join(lines)
