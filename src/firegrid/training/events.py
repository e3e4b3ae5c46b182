"""Event-level metrics: replay frame sequences through the camera engine, as a patrol would run them.

The lookout set's frames of one view cluster, in their id order (:func:`negatives.sequences`), are not
always one camera's consecutive frames: many clusters interleave frames of several cameras and times (the
median grey-level change between neighbours jumps between ~2 and 20–30). Sequences are therefore rebuilt
as **streams**: each frame joins the stream whose last frame it resembles (median |difference| of 64 × 48
grey thumbnails below ``SAME_VIEW``), else starts a new one; streams of at least ``MIN_FRAMES`` frames are
replayed. A stream with no annotated frame is a negative sequence (all its frames count as pre-ignition).

For each sequence (frames of one view in time order, the index of the first smoke frame known): the
frames from the first smoke frame to the first alarm, whether any alarm came before it (a pre-ignition
false alarm), and false alarms per 1,000 pre-ignition frames and per camera-day. A camera-day is
``FRAMES_PER_DAY`` frames of one preset: one frame a minute, the cadence of the HPWREN/FIgLib
sequences (a 30 s patrol doubles it).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.cameras import temporal
from firegrid.cameras.config import TemporalConfig
from firegrid.cameras.engine import Detector, observe
from firegrid.imagery.decode import read_image
from firegrid.training.negatives import sequences

FRAMES_PER_DAY = 1440
SAME_VIEW = 10.0  # grey levels: the median change between two frames of one camera view
MIN_FRAMES = 3  # the temporal window needs at least this many frames to confirm anything
Frames = Iterable[NDArray[np.uint8]]


@dataclass
class Sequence:
    """Frames of one view in order and the index of the first frame with smoke (None: no smoke)."""

    name: str
    frames: Callable[[], Frames]
    length: int
    first_smoke: int | None
    paths: list[Path] = field(default_factory=list)  # the frame files, when the frames are files


def alarm_frames(model: Detector, frames: Frames, config: TemporalConfig) -> list[int]:
    """Indexes of the frames where a new event was confirmed."""
    window = temporal.WindowState()
    arrays: dict[str, NDArray[np.float32]] = {}
    out = []
    for index, image in enumerate(frames):
        outcome = observe(model, image, [], window, arrays, config)
        if any(c.new for c in outcome.confirmations):
            out.append(index)
    return out


def streams(frames: list[tuple[Path, bool]], same_view: float = SAME_VIEW) -> list[list[tuple[Path, bool]]]:
    """Frames (path, annotated) split into per-camera streams by thumbnail similarity, order kept."""
    out: list[tuple[NDArray[np.float32], list[tuple[Path, bool]]]] = []
    for path, annotated in frames:
        thumb = cv2.resize(read_image(path, str(path)), (64, 48), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY).astype(np.float32)
        change = [float(np.median(np.abs(grey - last))) for last, _ in out]
        if change and min(change) < same_view:
            k = int(np.argmin(change))
            out[k] = (grey, [*out[k][1], (path, annotated)])
        else:
            out.append((grey, [(path, annotated)]))
    return [members for _, members in out]


def hpwren_sequences(root: Path, split: str = "val") -> list[Sequence]:
    """The lookout set's ignition sequences of one split, rebuilt as per-camera streams (module docstring)."""
    with (root / "split.csv").open() as f:
        rows = list(csv.DictReader(f))
    out = []
    for n, seq in enumerate(sequences(rows, split)):
        framed = [(root / "images" / f"{stem}.jpeg", annotated) for stem, annotated in seq]
        for k, stream in enumerate(s for s in streams(framed) if len(s) >= MIN_FRAMES):
            paths = [p for p, _ in stream]
            first = next((i for i, (_, annotated) in enumerate(stream) if annotated), None)

            def load(paths: list[Path] = paths) -> Frames:
                return (read_image(p, str(p)) for p in paths)

            out.append(Sequence(f"{split}-{n}.{k}", load, len(stream), first, paths))
    return out


def event_metrics(
    model: Detector, seqs: list[Sequence], config: TemporalConfig, within: int = 5
) -> dict[str, Any]:
    """Detection delay (frames after the first smoke frame), pre-ignition alarms, false-alarm rates."""
    delays: list[int] = []
    early = missed = pre_frames = pre_alarms = 0
    per_sequence = []
    for seq in seqs:
        alarms = alarm_frames(model, seq.frames(), config)
        first = seq.length if seq.first_smoke is None else seq.first_smoke
        before = [a for a in alarms if a < first]
        after = [a for a in alarms if a >= first]
        pre_frames += first
        pre_alarms += len(before)
        early += int(bool(before))
        if seq.first_smoke is not None:
            if after:
                delays.append(after[0] - first)
            else:
                missed += 1
        per_sequence.append(
            {"name": seq.name, "frames": seq.length, "first_smoke": seq.first_smoke, "alarms": alarms}
        )
    with_smoke = sum(s.first_smoke is not None for s in seqs)
    per_frame = pre_alarms / pre_frames if pre_frames else float("nan")
    return {
        "sequences": len(seqs),
        "with_smoke": with_smoke,
        "detected": len(delays),
        "missed": missed,
        "median_delay_frames": float(np.median(delays)) if delays else float("nan"),
        "p90_delay_frames": float(np.percentile(delays, 90)) if delays else float("nan"),
        f"detected_within_{within}": sum(d <= within for d in delays),
        "sequences_with_pre_ignition_alarm": early,
        "pre_ignition_frames": pre_frames,
        "pre_ignition_alarms": pre_alarms,
        "false_alarms_per_1000_frames": 1000 * per_frame,
        "false_alarms_per_camera_day": FRAMES_PER_DAY * per_frame,
        "per_sequence": per_sequence,
    }
