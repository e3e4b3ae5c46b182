"""Which unannotated lookout frames may serve as smoke-free negatives.

The lookout set's frames of one camera view come from sequences running from before to after ignition, and
annotators boxed only some of the smoke frames (roughly every second or third). The frame ids are CUIDs, whose
first eight base-36 characters after the ``c`` are a millisecond timestamp of when the frame entered the
labelling tool; within a view that order follows the sequence (annotated frames come in runs). The rule:

* an unannotated frame is a negative if, in that order, it is more than ``margin`` frames away from every
  annotated frame of its view (pre-ignition frames of the next sequence), or its view has no annotation;
* a review list (``stem,verdict,reviewer,note`` with verdict ``smoke_free`` or ``smoke``) overrides the rule.

A sample of rule negatives was reviewed by eye (see ``training/review/hpwren-negatives.csv``).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from firegrid.errors import InputError


def cuid_time(stem: str) -> int:
    """The millisecond timestamp inside a CUID (``c`` + 8 base-36 digits + ...)."""
    try:
        return int(stem[1:9], 36)
    except ValueError as exc:
        raise InputError(f"{stem!r}: not a CUID frame id") from exc


def read_review(path: Path | None) -> dict[str, bool]:
    """Reviewer verdicts: stem → smoke-free?"""
    if path is None or not path.is_file():
        return {}
    out = {}
    with path.open() as f:
        for n, row in enumerate(csv.DictReader(f), 2):
            verdict = (row.get("verdict") or "").strip()
            if verdict not in ("smoke_free", "smoke"):
                raise InputError(f"{path}:{n}: verdict must be smoke_free or smoke, got {verdict!r}")
            out[row["stem"].strip()] = verdict == "smoke_free"
    return out


def hard_negatives(rows: Iterable[dict[str, str]], margin: int, review: Path | None) -> dict[str, int]:
    """Stems of negative frames → their position in the view's sequence order."""
    views: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for row in rows:
        views[row["view_cluster"]].append(
            (cuid_time(row["stem"]), row["stem"], row["annotated_smoke_box"] == "1")
        )
    verdicts = read_review(review)
    out: dict[str, int] = {}
    for frames in views.values():
        frames.sort()
        annotated = [i for i, (_, _, ann) in enumerate(frames) if ann]
        for i, (_, stem, ann) in enumerate(frames):
            if ann:
                continue
            far = not annotated or min(abs(i - j) for j in annotated) > margin
            if verdicts.get(stem, far):
                out[stem] = i
    return out


def sequences(rows: Iterable[dict[str, str]], split: str) -> list[list[tuple[str, bool]]]:
    """Frame sequences of one split, in order: (stem, annotated) lists, one per ignition.

    A sequence is the run of unannotated frames before an annotated run, plus that run (up to the next
    unannotated stretch longer than three frames, which starts the next sequence's pre-ignition part).
    """
    views: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for row in rows:
        if row["split"] == split:
            views[row["view_cluster"]].append(
                (cuid_time(row["stem"]), row["stem"], row["annotated_smoke_box"] == "1")
            )
    out: list[list[tuple[str, bool]]] = []
    for frames in views.values():
        frames.sort()
        current: list[tuple[str, bool]] = []
        gap = 0
        for _, stem, ann in frames:
            seen_smoke = any(a for _, a in current)
            if not ann:
                gap += 1
                if seen_smoke and gap > 3:
                    out.append(current[: len(current) - gap + 1])
                    current = []
                    gap = 1
            else:
                gap = 0
            current.append((stem, ann))
        if any(a for _, a in current):
            out.append(current)
    return out
