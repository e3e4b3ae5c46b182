"""Full-resolution stand-ins for ``model eval``: small real plumes in 3072 × 2048 frames, alone and as
growing sequences.

The background is a mosaic of lookout validation negatives at their own resolution (sharp, real haze,
cloud and terrain; no enlargement blur), the plume a real validation plume pasted at ``share`` of the
frame (:mod:`synthetic`). Reported per frame: the plume found with the shipped inference (tiles + whole)
and with whole frames only, false boxes; per sequence (pre-ignition frames with sensor noise and small
exposure drift, then the plume growing): frames from ignition to the alarm and pre-ignition alarms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import iou_matrix
from firegrid.detect.objects.model import ObjectModel
from firegrid.training.datasets import Sample
from firegrid.training.events import Frames, Sequence, event_metrics
from firegrid.training.images import ImageCache
from firegrid.training.synthetic import Plume, cut_plume, paste

WIDTH, HEIGHT = 3072, 2048
SHARE = 0.0005  # 0.05 % of the frame: a young plume on a tower camera
GROWTH = (0.0001, 0.001)  # the sequences' plume, from ignition to the last frame (share of the frame)


def mosaic(
    negatives: list[Sample],
    cache: ImageCache,
    rng: np.random.Generator,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> NDArray[np.uint8]:
    """A ``width`` × ``height`` frame tiled with randomly drawn negative frames at their own size."""
    out = np.zeros((height, width, 3), np.uint8)
    y = 0
    while y < height:
        x, row = 0, 0
        while x < width:
            image, _ = cache.get(negatives[int(rng.integers(len(negatives)))].path)
            h, w = image.shape[:2]
            out[y : y + h, x : x + w] = image[: height - y, : width - x]
            x, row = x + w, max(row, h)
        y += row
    return out


def _found(boxes: Any, truth: NDArray[np.float32]) -> tuple[bool, int]:
    if not len(boxes):
        return False, 0
    hit = iou_matrix(boxes.xyxy, truth[None])[:, 0] >= 0.1
    return bool(hit.any()), int((~hit).sum())


def _plumes(val: list[Sample], cache: ImageCache, every: int) -> list[Plume]:
    positives = [s for s in val if s.role == "positive"][::every]
    return [cut_plume(cache.get(s.path)[0], s.boxes[0] * cache.get(s.path)[1]) for s in positives]


def small_plumes(
    model: ObjectModel,
    val: list[Sample],
    cache: ImageCache,
    every: int = 6,
    sequences: int = 6,
    temporal: TemporalConfig | None = None,
) -> dict[str, Any]:
    """Stand-in frames and sequences (deterministic: fixed seed)."""
    rng = np.random.default_rng(17)
    negatives = [s for s in val if s.role == "negative"]
    plumes = _plumes(val, cache, every)
    if not negatives or not plumes:
        return {}
    tiled = whole = false_boxes = frames_with_false = passes = 0
    for plume in plumes:
        frame, truth = paste(mosaic(negatives, cache, rng), plume, SHARE, _base(rng, plume))
        hit, false = _found(model.detect(frame), truth)
        passes = model.timings.passes
        tiled, false_boxes, frames_with_false = (
            tiled + hit,
            false_boxes + false,
            frames_with_false + (false > 0),
        )
        whole += _found(model.detect(frame, slice_size=0), truth)[0]
    report: dict[str, Any] = {
        "frames": len(plumes),
        "size": [WIDTH, HEIGHT],
        "plume_share": SHARE,
        "found_tiled": tiled,
        "found_whole_frame_only": whole,
        "false_boxes_per_frame": false_boxes / len(plumes),
        "frames_with_false_boxes": frames_with_false,
        "passes_per_frame": passes,
    }
    seqs = standin_sequences(val, cache, sequences, every)
    metrics = event_metrics(model, seqs, temporal or TemporalConfig())
    metrics["alarms"] = [s["alarms"] for s in metrics.pop("per_sequence")]
    report["sequences"] = metrics
    return report


def _base(rng: np.random.Generator, plume: Plume, cell: tuple[int, int] = (640, 480)) -> tuple[float, float]:
    """Where the plume's base goes: where it stood in its own frame, inside a random whole cell of the
    mosaic (on the horizon band of a lookout view, not in the sky of another)."""
    col, row = int(rng.integers(WIDTH // cell[0])), int(rng.integers(HEIGHT // cell[1]))
    return (col * cell[0] + plume.base[0]) / WIDTH, (row * cell[1] + plume.base[1]) / HEIGHT


def standin_sequences(
    val: list[Sample], cache: ImageCache, n: int = 6, every: int = 6, before: int = 10, after: int = 10
) -> list[Sequence]:
    """Growing-plume sequences (deterministic: each regenerates its frames from its own seed)."""
    negatives = [s for s in val if s.role == "negative"]
    plumes = _plumes(val, cache, every)[:n]
    if not negatives:
        return []

    def frames(k: int) -> Frames:
        rng = np.random.default_rng(1000 + k)
        scene = mosaic(negatives, cache, rng).astype(np.float32)
        base = _base(rng, plumes[k])
        for i in range(before + after):
            noisy = scene * rng.uniform(0.97, 1.03) + rng.normal(0, 2.0, scene.shape)
            frame = np.clip(noisy, 0, 255).astype(np.uint8)
            if i >= before:
                share = np.interp(i - before, [0, after - 1], GROWTH)
                frame, _ = paste(frame, plumes[k], float(share), base)
            yield frame

    return [
        Sequence(f"standin-{k}", lambda k=k: frames(k), before + after, before)  # type: ignore[misc]
        for k in range(len(plumes))
    ]
