"""Event-level metrics of the camera engine under variants of its temporal settings (the choice of defaults).

Replays the lookout validation sequences (``camera/hpwren_smoke``, per-camera streams of one view cluster in
order) and the full-resolution stand-in sequences (a real plume growing in a 3072 × 2048 mosaic of lookout
negatives, ``firegrid.training.fullres``) through the per-frame engine with the shipped model, once per
variant: the motion gate off / on at several ratios, and
the confirmation threshold. The model runs once per frame (its boxes are cached); only the engine differs.
Prints one line per variant and, last, JSON. Validation data only.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.config import TemporalConfig
from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.settings_groups import CameraSettings
from firegrid.training.config import DataConfig
from firegrid.training.events import event_metrics, hpwren_sequences
from firegrid.training.fullres import standin_sequences
from firegrid.training.images import ImageCache
from firegrid.training.sets import load_samples

VARIANTS: dict[str, dict[str, Any]] = {
    "no gate, conf 0.35": {"static_diff": 0.0, "motion_ratio": 0.0, "conf_thresh": 0.35},
    "no gate, conf 0.25": {"static_diff": 0.0, "motion_ratio": 0.0, "conf_thresh": 0.25},
    "static only, conf 0.25": {"motion_ratio": 0.0, "conf_thresh": 0.25},
    "gate 0.8, conf 0.25": {"motion_ratio": 0.8, "conf_thresh": 0.25},
    "gate 1.0, conf 0.25": {"motion_ratio": 1.0, "conf_thresh": 0.25},
    "gate 1.2, conf 0.25": {"motion_ratio": 1.2, "conf_thresh": 0.25},
    "gate 0.5, conf 0.25": {"motion_ratio": 0.5, "conf_thresh": 0.25},
    "gate 1.0, conf 0.35": {"motion_ratio": 1.0, "conf_thresh": 0.35},
    "gate 1.5, conf 0.25": {"motion_ratio": 1.5, "conf_thresh": 0.25},
    "gate 1.0, conf 0.2": {"motion_ratio": 1.0, "conf_thresh": 0.2},
    "2 of 5, conf 0.25": {"min_hits": 2},
    "2 of 5, conf 0.3": {"min_hits": 2, "conf_thresh": 0.3},
    "3 of 5 (1.1.0)": {"min_hits": 3},
    "shipped defaults": {},
}


class Cached:
    """The model's boxes per frame, computed once (frames are keyed by their bytes' hash)."""

    classes: list[str]

    def __init__(self, model: ObjectModel) -> None:
        self.model = model
        self.classes = model.classes
        self._boxes: dict[int, Boxes] = {}

    def detect(self, image: NDArray[np.uint8]) -> Boxes:
        key = hash(image.tobytes())
        if key not in self._boxes:
            self._boxes[key] = self.model.detect(image)
        return self._boxes[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default=CameraSettings().model)
    parser.add_argument(
        "--standins", type=int, default=6, help="full-resolution stand-in sequences (0: none)"
    )
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data"))
    )
    args = parser.parse_args()
    detector = Cached(ObjectModel(default_models_dir(), args.model, threads=1))
    seqs = hpwren_sequences(args.shared / "camera/hpwren_smoke")
    data = DataConfig()
    samples = load_samples(args.shared, data, Path(data.review), tuple(detector.classes))
    standins = standin_sequences(samples.select("val", "hpwren"), ImageCache(max_side=None), args.standins)
    out = {}
    keys = (
        "detected",
        "with_smoke",
        "median_delay_frames",
        "detected_within_5",
        "sequences_with_pre_ignition_alarm",
        "pre_ignition_frames",
        "false_alarms_per_1000_frames",
    )
    for name, change in VARIANTS.items():
        config = TemporalConfig(**change)
        metrics = event_metrics(detector, seqs, config)
        out[name] = {k: metrics[k] for k in keys}
        if standins:
            full = event_metrics(detector, standins, config)
            out[name]["standin"] = {k: full[k] for k in keys if k != "with_smoke"}
        print(f"{name:>24}: {out[name]}")
    print(json.dumps({"model": detector.model.describe(), "variants": out}))


if __name__ == "__main__":
    main()
