from __future__ import annotations

import numpy as np
import pytest

from firegrid.cameras import motion, temporal
from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import Boxes


def box(x: float, score: float = 0.6) -> Boxes:
    return Boxes(
        np.array([[x, 100, x + 40, 140]], np.float32), np.array([score], np.float32), np.zeros(1, np.int64)
    )


def test_a_recurring_box_is_confirmed_once() -> None:
    config = TemporalConfig(frames=5, conf_thresh=0.35)
    state = temporal.WindowState()
    results = [temporal.update(state, box(200 + i), config) for i in range(5)]
    counts = [len(r) for r in results]
    assert counts[:2] == [0, 0]  # needs 3 of 5 frames and 3 x 0.6 / 5 > 0.35
    assert counts[2] == 1 and results[2][0].new
    assert all(not c.new for r in results[3:] for c in r)  # the same event continues


def test_a_single_flash_is_not_an_event() -> None:
    config = TemporalConfig()
    state = temporal.WindowState()
    out = [
        temporal.update(state, b, config)
        for b in (Boxes.empty(), box(200, 0.99), Boxes.empty(), Boxes.empty())
    ]
    assert not any(out)


def test_two_strong_frames_of_five_confirm_at_the_defaults() -> None:
    def run(scores: list[float], config: TemporalConfig) -> list[int]:
        state = temporal.WindowState()
        return [len(temporal.update(state, box(200 + i, s), config)) for i, s in enumerate(scores)]

    assert run([0.7, 0.7], TemporalConfig()) == [0, 1]  # 2 hits, (0.7 + 0.7) / 5 > 0.25
    assert run([0.55, 0.55], TemporalConfig()) == [0, 0]  # 2 hits but 1.1 / 5 < 0.25
    assert run([0.7, 0.7, 0.7], TemporalConfig(min_hits=3)) == [0, 0, 1]  # 1.1.0's 3 of 5


def test_weak_boxes_need_more_than_hits() -> None:
    state = temporal.WindowState()
    out = [temporal.update(state, box(200, 0.2), TemporalConfig(frames=5)) for _ in range(5)]
    assert not any(out)  # 5 x 0.2 / 5 = 0.2 < 0.35


def test_state_survives_json() -> None:
    state = temporal.WindowState()
    config = TemporalConfig()
    for i in range(2):
        temporal.update(state, box(200 + i), config)
    restored = temporal.WindowState.from_json(state.as_json())
    assert temporal.update(restored, box(202), config)[0].new


def test_the_motion_gate_keeps_local_change_only() -> None:
    config = TemporalConfig(static_diff=3.0, motion_ratio=1.2, scene_change_diff=25.0)
    rng = np.random.default_rng(0)
    reference = np.full((200, 400), 100, np.float32)
    grey = reference + rng.normal(0, 2, reference.shape).astype(np.float32)  # sensor noise everywhere
    grey[100:140, 300:340] += 50  # something changed here
    boxes = Boxes.concat([box(100), box(300)])
    assert motion.moving(boxes, (200, 400), grey, reference, config).tolist() == [False, True]
    assert motion.moving(boxes, (200, 400), grey, None, config).tolist() == [True, True]  # no history yet
    fog = grey + 8  # the whole view brightens: nothing is local
    assert motion.moving(boxes[:1], (200, 400), fog, reference, config).tolist() == [False]
    moved = grey + 40  # the camera moved or day turned to night: restart the reference
    assert not motion.moving(boxes, (200, 400), moved, reference, config).any()
    assert np.array_equal(motion.update_reference(reference, moved, config), moved)
    ref2 = motion.update_reference(reference, grey, TemporalConfig(reference_alpha=0.5))
    assert ref2[120, 320] == pytest.approx((100 + grey[120, 320]) / 2)
