"""Detection metrics: box AP (VOC all-point), image ROC AUC, precision/recall, small-box recall."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.objects.boxes import Boxes, iou_matrix


@dataclass
class Scored:
    """One evaluated image: predicted boxes (image pixels) and ground truth."""

    name: str
    predicted: Boxes
    truth: NDArray[np.float32]  # (n, 4) xyxy
    truth_class: NDArray[np.int64]

    @property
    def positive(self) -> bool:
        """Whether the image holds any annotated object."""
        return len(self.truth) > 0

    @property
    def score(self) -> float:
        """Image score: the highest box score (0 without boxes)."""
        return float(self.predicted.score.max()) if len(self.predicted) else 0.0


def _matches(
    image: Scored, class_id: int | None, iou: float, threshold: float = 0.0
) -> tuple[NDArray[np.float32], NDArray[np.bool_], NDArray[np.bool_], NDArray[np.float32]]:
    """Greedy matching, best score first: (scores, is-TP per prediction, matched per truth, truth boxes)."""
    p = image.predicted
    pick = p.score >= threshold
    if class_id is not None:
        pick &= p.class_id == class_id
    p = p[pick]
    t_pick = np.ones(len(image.truth), bool) if class_id is None else image.truth_class == class_id
    truth = image.truth[t_pick]
    order = np.argsort(-p.score, kind="stable")
    tp = np.zeros(len(p), bool)
    matched = np.zeros(len(truth), bool)
    if len(p) and len(truth):
        overlaps = iou_matrix(p.xyxy[order], truth)
        for rank, row in enumerate(overlaps):
            candidates = np.where(~matched & (row >= iou))[0]
            if len(candidates):
                matched[candidates[np.argmax(row[candidates])]] = True
                tp[rank] = True
    return p.score[order], tp, matched, truth


def average_precision(images: list[Scored], iou: float, class_id: int | None = None) -> float:
    """VOC all-point interpolated AP over all images (class-aware when ``class_id`` is given)."""
    scores, hits, n_truth = [], [], 0
    for image in images:
        s, tp, matched, _ = _matches(image, class_id, iou)
        scores.append(s)
        hits.append(tp)
        n_truth += len(matched)
    if n_truth == 0:
        return float("nan")
    all_scores = np.concatenate(scores) if scores else np.zeros(0)
    all_hits = np.concatenate(hits) if hits else np.zeros(0, bool)
    order = np.argsort(-all_scores, kind="stable")
    tp = np.cumsum(all_hits[order])
    fp = np.cumsum(~all_hits[order])
    recall = tp / n_truth
    precision = tp / np.maximum(tp + fp, 1)
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[1.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    steps = np.where(r[1:] != r[:-1])[0]
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def roc_auc(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> float:
    """Area under the ROC curve (Mann-Whitney U with tie correction)."""
    pos, neg = int(labels.sum()), int((~labels).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores), np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


@dataclass
class AtThreshold:
    """Counts at one score threshold (box matching at ``iou``)."""

    threshold: float
    tp: int
    fp: int
    fn: int
    small_found: int
    small_total: int
    negatives_alarmed: int
    negatives: int

    @property
    def precision(self) -> float:
        """TP / (TP + FP)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        """TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when undefined)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def thresholded(images: list[Scored], per_class: list[float]) -> list[Scored]:
    """The images with boxes under their class's threshold removed (NMS commutes with this)."""
    limits = np.asarray(per_class, np.float32)
    out = []
    for im in images:
        p = im.predicted
        keep = p.score >= limits[np.clip(p.class_id, 0, len(limits) - 1)]
        out.append(Scored(im.name, p[keep], im.truth, im.truth_class))
    return out


def only_class(image: Scored, class_id: int) -> Scored:
    """The image with predictions and truth of one class."""
    keep = image.predicted.class_id == class_id
    truth = image.truth_class == class_id
    return Scored(image.name, image.predicted[keep], image.truth[truth], image.truth_class[truth])


def at_threshold(images: list[Scored], threshold: float, iou: float, small_px: float = 32.0) -> AtThreshold:
    """Box precision/recall, recall on boxes narrower than ``small_px``, negatives with any box."""
    tp = fp = fn = small_found = small_total = alarmed = negatives = 0
    for image in images:
        _, hits, matched, truth = _matches(image, None, iou, threshold)
        tp += int(hits.sum())
        fp += int((~hits).sum())
        fn += int((~matched).sum())
        small = (truth[:, 2] - truth[:, 0]) < small_px
        small_total += int(small.sum())
        small_found += int((matched & small).sum())
        if not image.positive:
            negatives += 1
            alarmed += int(len(hits) > 0)
    return AtThreshold(threshold, tp, fp, fn, small_found, small_total, alarmed, negatives)


def best_threshold(images: list[Scored], iou: float, grid: NDArray[np.float64] | None = None) -> AtThreshold:
    """The threshold with the best box F1 (ties: the higher threshold, fewer pages)."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2) if grid is None else grid
    results = [at_threshold(images, float(t), iou) for t in grid]
    return max(results, key=lambda r: (round(r.f1, 6), r.threshold))
