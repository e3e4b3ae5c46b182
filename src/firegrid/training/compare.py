"""A new model version ships only if it is not worse on any set: compare two ``model eval`` reports.

Each set's headline numbers are compared with a tolerance of the run-to-run noise measured for 1.0.0
(docs/models/smoke-fire.md: lookout AUC moved 0.887–0.932 and AP@0.1 0.80–0.87 over the last epochs of
one run), so a retrain is "worse" only beyond that noise. Sets missing from the old report are new (no
verdict); sets missing from the new report are a failure.
"""

from __future__ import annotations

import math
from typing import Any

from firegrid.training.evaluate import SETS

# metric: (higher is better, tolerance)
METRICS: dict[str, tuple[bool, float]] = {
    "auc": (True, 0.02),
    "ap10": (True, 0.03),
    "recall": (True, 0.03),
    "image_recall": (True, 0.03),
    "false_alarms_per_1000_frames": (False, 10.0),
}
EVENT_METRICS: dict[str, tuple[bool, float]] = {
    "detected": (True, 0.0),
    "sequences_with_pre_ignition_alarm": (False, 0.0),
    "false_alarms_per_1000_frames": (False, 5.0),
}
EVENT_SETS = ("events", "fullres_sequences")  # lookout streams; the same enlarged to 3072 × 2048
EVERYDAY_METRICS: dict[str, tuple[bool, float]] = {
    "page_share": (False, 0.0),
    "page_share_1080": (False, 0.0),
}


def _row(where: str, metric: str, old: Any, new: Any, rule: tuple[bool, float]) -> dict[str, Any]:
    higher, tolerance = rule
    if not isinstance(old, int | float) or not isinstance(new, int | float) or math.isnan(old):
        return {"set": where, "metric": metric, "old": old, "new": new, "worse": None}
    if math.isnan(new):
        return {"set": where, "metric": metric, "old": old, "new": new, "worse": True}
    worse = new < old - tolerance if higher else new > old + tolerance
    return {"set": where, "metric": metric, "old": old, "new": new, "worse": worse}


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per set and metric: old, new, worse (None where there is nothing to compare)."""
    rows = []
    for name in SETS:
        if name not in old:
            continue
        if name not in new:
            rows.append({"set": name, "metric": "present", "old": True, "new": False, "worse": True})
            continue
        rows += [_row(name, k, old[name].get(k), new[name].get(k), r) for k, r in METRICS.items()]
    for where, metrics in [*((e, EVENT_METRICS) for e in EVENT_SETS), ("everyday", EVERYDAY_METRICS)]:
        if where in old and where in new:
            rows += [_row(where, k, old[where].get(k), new[where].get(k), r) for k, r in metrics.items()]
    return rows


def verdict(rows: list[dict[str, Any]]) -> bool:
    """True when the new model is not worse on any set."""
    return not any(r["worse"] for r in rows)


def markdown(rows: list[dict[str, Any]], old: str, new: str) -> str:
    """The comparison table of the model card."""
    lines = [f"| set | metric | {old} | {new} | worse? |", "|---|---|---|---|---|"]
    for r in rows:
        fmt = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in (r["old"], r["new"])]
        mark = {True: "**yes**", False: "no", None: "—"}[r["worse"]]
        lines.append(f"| {r['set']} | {r['metric']} | {fmt[0]} | {fmt[1]} | {mark} |")
    return "\n".join(lines)
