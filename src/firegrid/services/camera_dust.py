"""The dust checks of a site camera on each patrol frame: plumes and uncovered soil per region."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import CameraConfig, Preset, Region
from firegrid.cameras.geolocate import horizon_row
from firegrid.cameras.streams import Frame
from firegrid.detect.dust.cover import CoverModel, region_mask
from firegrid.detect.dust.haze import HazeModel
from firegrid.detect.dust.plume import PlumeConfig, PlumeState, observe
from firegrid.services.camera_events import EventContext, Sighting, create_event

log = logging.getLogger(__name__)

MIN_DAYLIGHT = 0.12  # mean brightness below this: night, the cover check abstains


@dataclass
class DustModels:
    """The two shipped graphs a dust watch uses."""

    haze: HazeModel
    cover: CoverModel


def default_regions(preset: Preset, width: int, height: int) -> list[Region]:
    """Without configured regions: the view below the horizon (sky and clouds stay out)."""
    top = min(max(horizon_row(width, height, preset) / height + 0.02, 0.0), 0.95)
    return [Region(name="view", kind="other", polygon=[(0, top), (1, top), (1, 1), (0, 1)])]


def _box(polygon: list[tuple[float, float]], width: int, height: int) -> list[float]:
    xs, ys = [p[0] * width for p in polygon], [p[1] * height for p in polygon]
    return [min(xs), min(ys), max(xs), max(ys)]


def watch_frame(
    ctx: EventContext,
    models: DustModels,
    camera: CameraConfig,
    preset: Preset,
    frame: Frame,
    state: dict[str, Any],
    arrays: dict[str, NDArray[np.float32]],
) -> list[int]:
    """Run both checks on every region of a frame; returns the ids of events created."""
    config = camera.dust
    assert config is not None
    h, w = frame.image.shape[:2]
    rgb, dusty = models.haze.dusty(frame.image)
    events: list[int] = []
    for region in preset.regions or default_regions(preset, w, h):
        key = f"dust:{region.name}"
        mask = region_mask(region.polygon, dusty.shape)
        plume = PlumeState.restore(
            state.get(key, {}).get("plume"),
            {k.split("|")[1]: v for k, v in arrays.items() if k.startswith(f"{key}|")},
        )
        result, starts = observe(plume, rgb, dusty, mask, config)
        arrays.update({f"{key}|{k}": v for k, v in plume.arrays().items()})
        entry = {"plume": plume.as_json(), **_cover_state(state.get(key, {}))}
        box = _box(region.polygon, w, h)
        if starts:
            score = min(1.0, 0.5 + result.new_fraction)
            events.append(_event(ctx, models, camera, preset, frame, "dust_plume", score, box, region))
        if region.watches_cover and float(rgb.mean()) >= MIN_DAYLIGHT:
            fractions = models.cover.fractions(frame.image, region.polygon)
            if _uncovered_for_long(entry, fractions, frame.at, config):
                events.append(
                    _event(
                        ctx,
                        models,
                        camera,
                        preset,
                        frame,
                        "uncovered_soil",
                        fractions["uncovered"],
                        box,
                        region,
                    )
                )
        state[key] = entry
    return events


def _cover_state(previous: dict[str, Any]) -> dict[str, Any]:
    return {
        "uncovered_since": previous.get("uncovered_since"),
        "uncovered_alarm": previous.get("uncovered_alarm"),
    }


def _uncovered_for_long(
    entry: dict[str, Any], fractions: dict[str, float], at: datetime, config: PlumeConfig
) -> bool:
    """True once when the uncovered share stays above the limit for ``dwell_min``."""
    judged = fractions["surface"] >= config.min_surface
    if not judged or fractions["uncovered"] <= config.uncovered_max:
        entry["uncovered_since"], entry["uncovered_alarm"] = None, None
        return False
    since = datetime.fromisoformat(entry["uncovered_since"]) if entry["uncovered_since"] else at
    entry["uncovered_since"] = since.isoformat()
    if entry["uncovered_alarm"] or at - since < timedelta(minutes=config.dwell_min):
        return False
    entry["uncovered_alarm"] = at.isoformat()
    return True


def _event(
    ctx: EventContext,
    models: DustModels,
    camera: CameraConfig,
    preset: Preset,
    frame: Frame,
    class_name: str,
    score: float,
    box: list[float],
    region: Region,
) -> int:
    graph = models.haze.describe() if class_name == "dust_plume" else models.cover.describe()
    sighting = Sighting(class_name, float(score), box, graph["name"], graph["version"])
    event = create_event(ctx, camera, preset, frame.image, frame.at, sighting, [{"region": region.name}])
    log.info("camera %s %s: %s in %s (%.2f)", camera.id, preset.name, class_name, region.name, score)
    return event.id
