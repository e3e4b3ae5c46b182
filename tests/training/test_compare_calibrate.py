"""Shipping rules: a new version must not be worse on any set; thresholds keep lookout false alarms down."""

from __future__ import annotations

import numpy as np

from firegrid.detect.objects.boxes import Boxes
from firegrid.training.calibrate import calibrate
from firegrid.training.compare import compare, markdown, verdict
from firegrid.training.metrics import Scored


def report(auc: float, fa: float, detected: int) -> dict[str, object]:
    one = {"auc": auc, "ap10": 0.8, "recall": 0.7, "image_recall": 0.8, "false_alarms_per_1000_frames": fa}
    return {"model": {"version": "x"}, "hpwren_val": one, "events": {"detected": detected}}


def test_worse_beyond_the_noise_blocks_a_release() -> None:
    old = report(0.90, 50.0, 10)
    assert verdict(compare(old, report(0.89, 55.0, 10)))  # within the run-to-run noise
    rows = compare(old, report(0.86, 50.0, 10))
    assert not verdict(rows) and [r["metric"] for r in rows if r["worse"]] == ["auc"]
    assert not verdict(compare(old, report(0.95, 80.0, 10)))  # more false alarms is worse too
    assert not verdict(compare(old, report(0.95, 10.0, 9)))  # one sequence less detected
    assert not verdict(compare(old, {"model": {"version": "y"}}))  # a set that vanished
    assert "| hpwren_val | auc | 0.900 | 0.860 | **yes** |" in markdown(rows, "1.0.0", "1.1.0")
    new_set = compare({"model": {}}, report(0.9, 1.0, 1))
    assert new_set == [] and verdict(new_set)


def test_full_resolution_sequences_and_everyday_photos_are_release_sets() -> None:
    old = {"fullres_sequences": {"detected": 8, "sequences_with_pre_ignition_alarm": 0}}
    old["everyday"] = {"page_share": 3 / 18, "page_share_1080": 6 / 18}
    same = {k: dict(v) for k, v in old.items()}
    assert verdict(compare(old, same))
    early = {**same, "fullres_sequences": {"detected": 9, "sequences_with_pre_ignition_alarm": 1}}
    assert [r["metric"] for r in compare(old, early) if r["worse"]] == ["sequences_with_pre_ignition_alarm"]
    pages = {**same, "everyday": {"page_share": 4 / 18, "page_share_1080": 6 / 18}}
    assert [(r["set"], r["metric"]) for r in compare(old, pages) if r["worse"]] == [
        ("everyday", "page_share")
    ]


def image(box: list[float], scores: list[float], truth: bool) -> Scored:
    n = len(scores)
    predicted = Boxes(np.array([box] * n, np.float32), np.array(scores, np.float32), np.zeros(n, np.int64))
    t = np.array([[10, 10, 50, 50]], np.float32) if truth else np.zeros((0, 4), np.float32)
    return Scored("x", predicted, t, np.zeros(len(t), np.int64))


def test_thresholds_trade_f1_against_lookout_false_alarms() -> None:
    positives = [image([10, 10, 50, 50], [s], True) for s in (0.3, 0.5, 0.7, 0.9)]
    negatives = [image([100, 100, 140, 140], [s], False) for s in [0.6] + [0.1] * 9]
    scored = {"hpwren": positives + negatives}
    loose = calibrate(scored, ["smoke"], max_false_alarm=0.2)
    assert loose["thresholds"]["smoke"] == 0.3  # every plume found, one negative in ten pages
    strict = calibrate(scored, ["smoke"], max_false_alarm=0.05)
    assert strict["thresholds"]["smoke"] == 0.7  # above the negative's 0.6 (ties: the higher): two of four
    assert strict["detail"]["smoke"]["lookout_negatives_alarmed"] == 0.0
