"""Detection metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from firegrid.detect.objects.boxes import Boxes, nms
from firegrid.training.metrics import (
    Scored,
    at_threshold,
    average_precision,
    best_threshold,
    only_class,
    roc_auc,
    thresholded,
)


def _image(pred: list[tuple[float, float, float, float, float, int]], truth: list[list[float]]) -> Scored:
    p = np.array(pred, np.float32).reshape(-1, 6)
    boxes = Boxes(p[:, :4].copy(), p[:, 4].copy(), p[:, 5].astype(np.int64))
    t = np.array(truth, np.float32).reshape(-1, 4)
    return Scored("x", boxes, t, np.zeros(len(t), np.int64))


def test_perfect_detections_have_ap_one() -> None:
    images = [_image([(0, 0, 10, 10, 0.9, 0)], [[0, 0, 10, 10]]), _image([], [])]
    assert average_precision(images, 0.5) == pytest.approx(1.0)


def test_ap_of_a_ranked_list() -> None:
    # two truths; ranking TP (0.9), FP (0.8), TP (0.7): P/R points (1, .5), (.5, .5), (.667, 1)
    images = [
        _image([(0, 0, 10, 10, 0.9, 0), (50, 50, 60, 60, 0.8, 0)], [[0, 0, 10, 10]]),
        _image([(0, 0, 10, 10, 0.7, 0)], [[0, 0, 10, 10]]),
    ]
    assert average_precision(images, 0.5) == pytest.approx(0.5 * 1.0 + 0.5 * 2 / 3)


def test_iou_threshold_decides_a_loose_box() -> None:
    # a box twice as wide as the truth: IoU 0.5 exactly -> hit at 0.1 and 0.5, miss above
    images = [_image([(0, 0, 20, 10, 0.9, 0)], [[0, 0, 10, 10]])]
    assert average_precision(images, 0.1) == pytest.approx(1.0)
    assert average_precision(images, 0.6) == pytest.approx(0.0)


def test_duplicate_detection_is_a_false_positive() -> None:
    images = [_image([(0, 0, 10, 10, 0.9, 0), (1, 1, 10, 10, 0.8, 0)], [[0, 0, 10, 10]])]
    r = at_threshold(images, 0.5, 0.1)
    assert (r.tp, r.fp, r.fn) == (1, 1, 0)


def test_auc_matches_pairwise_definition() -> None:
    rng = np.random.default_rng(5)
    scores = np.round(rng.random(60), 1)  # many ties
    labels = rng.random(60) < 0.4
    pos, neg = scores[labels], scores[~labels]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert roc_auc(scores, labels) == pytest.approx(pairs / (len(pos) * len(neg)))
    assert np.isnan(roc_auc(scores, np.zeros(60, bool)))


def test_small_box_recall_and_false_alarms() -> None:
    images = [
        _image([(0, 0, 20, 10, 0.9, 0)], [[0, 0, 20, 10], [100, 100, 200, 150]]),  # small found, big missed
        _image([(5, 5, 9, 9, 0.6, 0)], []),  # negative frame with an alarm
        _image([], []),
    ]
    r = at_threshold(images, 0.5, 0.1)
    assert (r.small_found, r.small_total) == (1, 1)
    assert (r.negatives_alarmed, r.negatives) == (1, 2)
    assert r.recall == pytest.approx(0.5)


def test_thresholding_after_nms_equals_nms_after_thresholding() -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 80, (40, 2)).astype(np.float32)
    boxes = Boxes(
        np.hstack([xy, xy + rng.uniform(5, 30, (40, 2)).astype(np.float32)]),
        rng.random(40).astype(np.float32),
        rng.integers(0, 2, 40),
    )
    limits = [0.4, 0.6]
    after = thresholded(
        [Scored("x", boxes[nms(boxes)], np.zeros((0, 4), np.float32), np.zeros(0, np.int64))], limits
    )
    keep = boxes.score >= np.array(limits, np.float32)[boxes.class_id]
    before = boxes[keep][nms(boxes[keep])]
    assert sorted(after[0].predicted.score.tolist()) == sorted(before.score.tolist())


def test_best_threshold_and_class_split() -> None:
    images = [
        _image([(0, 0, 10, 10, 0.9, 0), (50, 50, 60, 60, 0.3, 0)], [[0, 0, 10, 10]]),
        _image([(0, 0, 10, 10, 0.8, 1)], []),
    ]
    assert best_threshold([only_class(im, 0) for im in images], 0.1).threshold > 0.3
    assert len(only_class(images[1], 0).predicted) == 0
