"""Everyday photos (sample photographs bundled in installed wheels, ``firegrid.training.everyday``): the
share that pages through ``firegrid detect-image`` at the shipped defaults, at their own size and enlarged
to a 1080p-wide frame (tiled like a camera frame), and whether a static camera showing one of them (the
same frame 5 times through the camera engine) ever alarms.

Prints one line per photo and, last, JSON. Photos are written to a temporary folder for the CLI only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.cameras import temporal
from firegrid.cameras.config import TemporalConfig
from firegrid.cameras.engine import observe
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.settings_groups import CameraSettings
from firegrid.training.everyday import enlarged, everyday_photos

CLI = "from firegrid.cli.main import main; main()"


def detect_image(paths: list[Path], model: str) -> dict[str, int]:
    """Boxes per image from the command line tool, as shipped."""
    command = [sys.executable, "-c", CLI, "detect-image", "--json", "--model", model, *map(str, paths)]
    lines = subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()
    return {item["image"]: len(item["boxes"]) for item in map(json.loads, lines)}


def static_alarms(model: ObjectModel, image: NDArray[np.uint8], repeats: int = 5) -> int:
    """New events when the same frame is seen ``repeats`` times by the engine at its defaults."""
    window, arrays, config = temporal.WindowState(), {}, TemporalConfig()
    alarms = 0
    for _ in range(repeats):
        outcome = observe(model, image, [], window, arrays, config)
        alarms += sum(c.new for c in outcome.confirmations)
    return alarms


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", default=CameraSettings().model)
    args = parser.parse_args()
    photos, missing = everyday_photos()
    for line in missing:
        print(f"missing: {line}")
    model = ObjectModel(default_models_dir(), args.model, threads=1)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        files: list[tuple[str, Path, Path]] = []
        for n, photo in enumerate(photos):
            image = photo.image()
            native, big = Path(tmp, f"{n:02d}.png"), Path(tmp, f"{n:02d}-1080.png")
            cv2.imwrite(str(native), image)
            cv2.imwrite(str(big), enlarged(image))
            files.append((photo.name, native, big))
        boxes = detect_image([p for _, a, b in files for p in (a, b)], args.model)
        for name, native, big in files:
            row = {
                "photo": name,
                "boxes": boxes[str(native)],
                "boxes_1080": boxes[str(big)],
                "static_alarms": static_alarms(model, cv2.imread(str(native))),
                "static_alarms_1080": static_alarms(model, cv2.imread(str(big))),
            }
            rows.append(row)
            print(row, flush=True)
    n = len(rows)
    summary = {
        "photos": n,
        "missing": missing,
        "paging": sum(r["boxes"] > 0 for r in rows),
        "paging_1080": sum(r["boxes_1080"] > 0 for r in rows),
        "static_alarms": sum(r["static_alarms"] + r["static_alarms_1080"] for r in rows),
    }
    summary["paging_share"] = summary["paging"] / n if n else float("nan")
    summary["paging_share_1080"] = summary["paging_1080"] / n if n else float("nan")
    print(json.dumps({"model": model.describe(), "summary": summary, "photos": rows}))


if __name__ == "__main__":
    main()
