"""The hard-negative rule, the review override and sequence splitting of the lookout frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firegrid.errors import InputError
from firegrid.training.negatives import cuid_time, hard_negatives, read_review, sequences


def _stem(t: int) -> str:
    return "c" + np.base_repr(t, 36).lower().rjust(8, "0") + "xyz"


def _rows(pattern: str, view: str = "0", split: str = "val", t0: int = 10**12) -> list[dict[str, str]]:
    return [
        {"stem": _stem(t0 + i * 1000), "annotated_smoke_box": c, "view_cluster": view, "split": split}
        for i, c in enumerate(pattern)
    ]


def test_cuid_time_orders_frames() -> None:
    assert cuid_time(_stem(10**12 + 5)) == 10**12 + 5
    with pytest.raises(InputError, match="CUID"):
        cuid_time("c!!!!!!!!")


def test_frames_near_annotations_are_not_negatives() -> None:
    rows = _rows("00000000" + "1010" + "00000000")
    negatives = hard_negatives(rows, margin=3, review=None)
    positions = sorted(negatives.values())
    # annotated at 8 and 10: frames 5..13 are within 3 of one of them
    assert positions == [0, 1, 2, 3, 4, 14, 15, 16, 17, 18, 19]


def test_view_without_annotations_is_all_negative_and_review_overrides(tmp_path: Path) -> None:
    rows = _rows("0000", view="7")
    review = tmp_path / "review.csv"
    review.write_text(f"stem,verdict,reviewer,note\n{rows[1]['stem']},smoke,me,faint plume at left\n")
    assert sorted(hard_negatives(rows, 3, review).values()) == [0, 2, 3]
    review.write_text("stem,verdict,reviewer,note\nx,maybe,me,\n")
    with pytest.raises(InputError, match="verdict"):
        read_review(review)


def test_sequences_cut_at_long_unannotated_runs() -> None:
    rows = _rows("0001010" + "00000" + "0011") + _rows("111", split="train", view="1")
    seqs = sequences(rows, "val")
    assert ["".join("1" if a else "0" for _, a in s) for s in seqs] == ["000101", "0000011"]
