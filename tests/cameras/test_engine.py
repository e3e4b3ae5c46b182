"""The per-frame engine shared by patrols and replays: masks, horizon, motion gate, temporal confirmation.

A scripted detector reports the same look-alike every frame; only the pixels differ between cases, so
what decides is the engine: a static bright patch and fog over the whole view never page, a plume that
changes against the preset's reference does, within a few frames.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from firegrid.cameras.config import TemporalConfig
from firegrid.cameras.engine import unmasked
from firegrid.cameras.replay import replay
from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.errors import ConfigError
from firegrid.training.events import Sequence, event_metrics

BOX = np.array([[300, 200, 340, 240]], np.float32)


class Scripted:
    """Reports one box at ``BOX`` with a fixed score on every frame (a persistent look-alike)."""

    def detect(self, image: np.ndarray) -> Boxes:
        del image
        return Boxes(BOX.copy(), np.array([0.7], np.float32), np.zeros(1, np.int64))


def frames(kind: str, n: int = 12, ignition: int = 4) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(3)
    scene = np.full((360, 640, 3), 110, np.float32)
    scene[240:] = 70  # ground
    scene[200:240, 300:340] = 200  # a bright roof: in every frame
    for i in range(n):
        frame = scene + rng.normal(0, 2, scene.shape)
        if kind == "fog":
            frame = frame * (1 - 0.06 * i) + 230 * 0.06 * i  # the whole view whitens
        if kind == "plume" and i >= ignition:
            grow = 10 + 4 * (i - ignition)
            frame[240 - grow : 240, 310:330] += rng.uniform(30, 60)  # rising, flickering smoke
        yield np.clip(frame, 0, 255).astype(np.uint8)


def sequence(kind: str) -> Sequence:
    return Sequence(kind, lambda: frames(kind), 12, 4 if kind == "plume" else None)


def test_static_look_alikes_and_fog_never_page_a_plume_does() -> None:
    config = TemporalConfig(frames=5, conf_thresh=0.25)
    result = event_metrics(Scripted(), [sequence(k) for k in ("static", "fog", "plume")], config)
    alarms = {s["name"]: s["alarms"] for s in result["per_sequence"]}
    assert alarms["static"] == [] and alarms["fog"] == []
    assert len(alarms["plume"]) == 1 and 4 <= alarms["plume"][0] <= 4 + 5  # within 5 frames of ignition
    assert result["pre_ignition_alarms"] == 0 and result["false_alarms_per_1000_frames"] == 0
    off = config.model_copy(update={"static_diff": 0, "motion_ratio": 0})  # without the motion gate ...
    assert event_metrics(Scripted(), [sequence("static"), sequence("fog")], off)["pre_ignition_alarms"] == 2


def test_horizon_and_masks_drop_boxes() -> None:
    boxes = Boxes(
        np.array([[10, 10, 50, 40], [100, 150, 160, 300], [400, 200, 440, 260]], np.float32),
        np.array([0.9, 0.8, 0.7], np.float32),
        np.zeros(3, np.int64),
    )
    sky = unmasked(boxes, [], (360, 640), horizon=0.5)  # the first box's base is in the sky
    assert sky.xyxy[:, 0].tolist() == [100, 400]
    chimney = [[(0.6, 0.5), (0.7, 0.5), (0.7, 0.8), (0.6, 0.8)]]
    assert unmasked(boxes, chimney, (360, 640), horizon=0.5).xyxy[:, 0].tolist() == [100]


def test_the_colour_baseline_is_a_cue_not_a_pager(tmp_path: Path) -> None:
    cue = ObjectModel(default_models_dir(), "fire-colour-baseline")
    assert len(cue.detect(np.zeros((64, 64, 3), np.uint8))) == 0  # it may be looked at ...
    with pytest.raises(ConfigError, match="cue"):
        replay([], cue, TemporalConfig())  # ... never raise alarms
