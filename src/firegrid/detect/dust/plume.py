"""Dust-plume events in a fixed camera view: haze that grows and moves, confirmed over frames.

Per frame and region of interest (image fractions; the whole view if none):

1. the haze graph marks dusty pixels (``haze``);
2. *new* dust = dusty now but not in the region's reference (a slow running average of
   past dusty maps, updated on quiet frames only), so standing haze, hazy hills and sky
   do not count;
3. the frame is positive when new dust covers ``growth`` of the region and at least
   ``min_moving`` of it moved (grey-level change against the previous frame);
4. an event is confirmed when ``min_hits`` of the last ``frames`` frames are positive.

Frames with a global change (exposure, lights; median change > ``global_change``) are
skipped, and frames with flames in view never count: a plume over flames is smoke,
which the fire detector owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field


class PlumeConfig(BaseModel):
    """Temporal plume confirmation and the uncovered-soil alarm of a site camera."""

    frames: int = Field(5, ge=1, le=50)
    min_hits: int = Field(3, ge=1)
    growth: float = Field(0.05, gt=0, le=1)  # new dusty share of the region
    min_moving: float = Field(0.15, ge=0, le=1)  # share of the new dust that moved
    motion_diff: float = Field(0.04, gt=0)  # grey change (0..1) that counts as motion
    global_change: float = Field(0.08, gt=0)  # median grey change that means "the light changed"
    reference_alpha: float = Field(0.05, gt=0, le=1)
    flame_fraction: float = Field(0.0005, ge=0)  # flame-coloured share of the view that means fire
    uncovered_max: float = Field(0.3, ge=0, le=1)  # uncovered share of the surface that alarms ...
    dwell_min: float = Field(30.0, ge=0)  # ... when it lasts this long (daylight frames)
    min_surface: float = Field(0.2, ge=0, le=1)  # classified share of the region needed to judge


@dataclass
class PlumeFrame:
    """What one frame showed in one region."""

    positive: bool
    new_fraction: float
    moving: float
    dusty_fraction: float
    skipped: str | None = None  # global-change, flames


@dataclass
class PlumeState:
    """Per camera + preset + region: recent verdicts, event flag, reference maps."""

    hits: list[bool] = field(default_factory=list)
    ongoing: bool = False
    reference: NDArray[np.float32] | None = None  # running average of dusty maps
    previous: NDArray[np.float32] | None = None  # previous grey frame

    def as_json(self) -> dict[str, Any]:
        """The JSON part (arrays are kept apart, see ``arrays``)."""
        return {"hits": self.hits, "ongoing": self.ongoing}

    def arrays(self) -> dict[str, NDArray[np.float32]]:
        """The reference maps, for an ``.npz`` next to the camera state."""
        out = {}
        if self.reference is not None:
            out["reference"] = self.reference
        if self.previous is not None:
            out["previous"] = self.previous
        return out

    @classmethod
    def restore(cls, data: dict[str, Any] | None, arrays: dict[str, NDArray[np.float32]]) -> PlumeState:
        """Back from ``as_json`` and ``arrays``."""
        data = data or {}
        return cls(
            [bool(h) for h in data.get("hits", [])],
            bool(data.get("ongoing", False)),
            arrays.get("reference"),
            arrays.get("previous"),
        )


def flame_share(rgb: NDArray[np.float32]) -> float:
    """Share of flame-coloured pixels (R > 0.7, R >= G > B, R - B > 0.35; as the fire baseline)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(((r > 0.7) & (r >= g) & (g > b) & (r - b > 0.35)).mean())


def observe(
    state: PlumeState,
    rgb: NDArray[np.float32],
    dusty: NDArray[np.bool_],
    region: NDArray[np.bool_],
    config: PlumeConfig,
) -> tuple[PlumeFrame, bool]:
    """Add a frame; returns its verdict and whether it starts a new confirmed event."""
    grey = rgb.mean(axis=2).astype(np.float32)
    frame = _judge(state, grey, rgb, dusty, region, config)
    state.previous = grey
    current = dusty.astype(np.float32)
    if state.reference is None or state.reference.shape != current.shape or frame.skipped == "global-change":
        state.reference = current  # (re)start the reference: first frame, new size, new light
    elif not frame.positive and frame.skipped is None:  # quiet frames teach the reference
        a = np.float32(config.reference_alpha)
        state.reference = ((1 - a) * state.reference + a * current).astype(np.float32)
    state.hits = [*state.hits, frame.positive][-config.frames :]
    confirmed = sum(state.hits) >= config.min_hits
    starts = confirmed and not state.ongoing
    if confirmed:
        state.ongoing = True
    elif not any(state.hits[-2:]):
        state.ongoing = False
    return frame, starts


def _judge(
    state: PlumeState,
    grey: NDArray[np.float32],
    rgb: NDArray[np.float32],
    dusty: NDArray[np.bool_],
    region: NDArray[np.bool_],
    config: PlumeConfig,
) -> PlumeFrame:
    n = max(int(region.sum()), 1)
    dusty_fraction = float((dusty & region).sum() / n)
    if state.reference is None or state.previous is None or state.previous.shape != grey.shape:
        return PlumeFrame(False, 0.0, 0.0, dusty_fraction, skipped="warm-up")
    change = np.abs(grey - state.previous)
    if float(np.median(change)) > config.global_change:
        return PlumeFrame(False, 0.0, 0.0, dusty_fraction, skipped="global-change")
    if flame_share(rgb) > config.flame_fraction:
        return PlumeFrame(False, 0.0, 0.0, dusty_fraction, skipped="flames")
    new = dusty & (state.reference < 0.5) & region
    new_fraction = float(new.sum() / n)
    moved = cv2.dilate((change > config.motion_diff).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    moving = float((new & moved).sum() / max(int(new.sum()), 1))
    positive = new_fraction >= config.growth and moving >= config.min_moving
    return PlumeFrame(positive, new_fraction, moving, dusty_fraction)
