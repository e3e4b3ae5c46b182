"""Full-resolution ignition sequences from real lookout streams, through the shipped engine, per variant of
the defaults (tile thresholds, confirmation threshold, window, motion gate).

Every validation stream of ``camera/hpwren_smoke`` (split.csv ``val`` views only) is enlarged to
3072 × 2048 with sensor noise and JPEG (``firegrid.training.upscaled``), ignition streams with same-view
pre-ignition frames in front. The model runs once per tile and frame (its decoded peaks are cached above
``FLOOR``); each variant re-applies thresholds, merging and the engine. The same camera streams at
640 × 480 (no tiles) and the streams ``model eval`` replays are run too, so a change of the engine's
defaults is seen on all. Prints one line per variant and, last, JSON. Validation data only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import Boxes, nms
from firegrid.detect.objects.decoders import DECODERS
from firegrid.detect.objects.letterbox import Letterbox, letterbox
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.sessions import session
from firegrid.settings_groups import CameraSettings
from firegrid.training.config import DataConfig
from firegrid.training.events import event_metrics, hpwren_sequences
from firegrid.training.upscaled import FrameStore, ignition_sequences

FLOOR = 0.1  # decoded peaks kept in the cache (every variant's thresholds are above it)

# name: (manifest changes, temporal changes)
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "shipped defaults": ({}, {}),
    "3 of 5 (1.1.0's engine)": ({}, {"min_hits": 3}),
    "3 of 5, tile smoke 0.45": ({"slice_thresholds": {"smoke": 0.45, "fire": 0.4}}, {"min_hits": 3}),
    "3 of 5, tile smoke 0.39": ({"slice_thresholds": {"smoke": 0.39, "fire": 0.4}}, {"min_hits": 3}),
    "3 of 5, conf 0.2": ({}, {"min_hits": 3, "conf_thresh": 0.2}),
    "2 of 5, conf 0.25": ({}, {"min_hits": 2}),
    "2 of 5, no gate": ({}, {"min_hits": 2, "static_diff": 0.0, "motion_ratio": 0.0}),
    "3 of 5, no gate": ({}, {"min_hits": 3, "static_diff": 0.0, "motion_ratio": 0.0}),
    "2 of 3, conf 0.25": ({}, {"frames": 3, "min_hits": 2}),
    "2 of 5, conf 0.3": ({}, {"min_hits": 2, "conf_thresh": 0.3}),
}
KEYS = (
    "with_smoke",
    "detected",
    "median_delay_frames",
    "detected_within_5",
    "sequences_with_pre_ignition_alarm",
    "pre_ignition_frames",
    "pre_ignition_alarms",
)


class RawCached(ObjectModel):
    """The shipped model whose decoded peaks per pass are cached; thresholds come from the current
    manifest at each call, so variants of the thresholds cost no model runs."""

    def __init__(self, models_dir: Path, name: str) -> None:
        super().__init__(models_dir, name, threads=1)
        self._raw: dict[tuple[Any, ...], tuple[Boxes, Letterbox]] = {}
        self.runs = 0

    def detect_whole(self, image_bgr: NDArray[np.uint8], tile: bool = False) -> Boxes:
        step = max(1, image_bgr.shape[0] // 80)
        key = (image_bgr.shape, hash(image_bgr[::step, ::step].tobytes()))
        if key not in self._raw:
            spec = self.manifest.input
            tensor, fit = letterbox(image_bgr, spec.width, spec.height, spec.pad_value, rgb=True)
            out = session(self.path, self.manifest.sha256, 1).run(None, {spec.name: tensor})[0]
            boxes = DECODERS[self.manifest.layout](np.asarray(out, np.float32), len(self.classes))
            self._raw[key] = (boxes[boxes.score >= FLOOR], fit)
            self.runs += 1
        boxes, fit = self._raw[key]
        m = self.manifest
        limits = np.array([m.threshold(i, tile) for i in range(len(self.classes))], np.float32)
        boxes = boxes[boxes.score >= limits[np.clip(boxes.class_id, 0, len(limits) - 1)]]
        return fit.to_image(boxes[nms(boxes, m.nms_iou)])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default=CameraSettings().model)
    parser.add_argument("--pre-frames", type=int, default=40)
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data"))
    )
    args = parser.parse_args()
    model = RawCached(default_models_dir(), args.model)
    shipped = model.manifest
    root = args.shared / "camera/hpwren_smoke"
    full = ignition_sequences(root, FrameStore(), "val", Path(DataConfig().review), args.pre_frames)
    small = ignition_sequences(root, FrameStore(None), "val", Path(DataConfig().review), args.pre_frames)
    streams = hpwren_sequences(root, "val")
    out: dict[str, Any] = {}
    for name, (manifest_change, temporal_change) in VARIANTS.items():
        t0 = time.perf_counter()
        model.manifest = shipped.model_copy(update=manifest_change)
        config = TemporalConfig(**temporal_change)
        big, lookout = event_metrics(model, full, config), event_metrics(model, small, config)
        out[name] = {
            "fullres": {k: big[k] for k in KEYS},
            "fullres_alarms": {s["name"]: s["alarms"] for s in big["per_sequence"] if s["alarms"]},
            "lookout_640": {k: lookout[k] for k in KEYS},
            "eval_streams_640": {k: v for k, v in event_metrics(model, streams, config).items() if k in KEYS},
        }
        print(f"{name:>26} ({time.perf_counter() - t0:.0f} s, {model.runs} model runs so far)")
        for where in ("fullres", "lookout_640", "eval_streams_640"):
            print(f"{where:>26}: {out[name][where]}", flush=True)
    print(json.dumps({"model": model.describe(), "variants": out}))


if __name__ == "__main__":
    main()
