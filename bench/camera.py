"""Camera path speed at the shipped default: ms per 1080p and 4K frame, all stages, one thread.

Runs the default camera model (``FIREGRID_CAMERAS__MODEL``, smoke-fire: tiles of the training frames'
size plus the whole frame) through the patrol's per-frame engine on JPEG snapshots: decode (cv2.imdecode),
detection (letterbox, inference, post-processing over every pass), and the engine's own work (motion grey,
gate, temporal window). The frames are mosaics of real lookout frames when the shared data is there
(noise otherwise); timing does not depend on what the frame shows. The baseline measured in the same run
is the same model on the whole frame only (one pass): the ratio is what tiling costs. Reports camera
presets per core at a 30 s patrol. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from firegrid.cameras import temporal
from firegrid.cameras.config import TemporalConfig
from firegrid.cameras.engine import observe
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.settings_groups import CameraSettings

SIZES = {"1080p": (1920, 1080), "4K": (3840, 2160)}


def frame_jpeg(width: int, height: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    lookout = Path(os.environ.get("FIREGRID_SHARED_DATA", "../shared/data")) / "camera/hpwren_smoke/images"
    paths = sorted(lookout.glob("*.jpeg"))[:40] if lookout.is_dir() else []
    image = np.zeros((height, width, 3), np.uint8)
    for y in range(0, height, 480):
        for x in range(0, width, 640):
            tile = (
                cv2.imread(str(paths[int(rng.integers(len(paths)))]))
                if paths
                else rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
            )
            image[y : y + 480, x : x + 640] = tile[: height - y, : width - x]
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def measure(model: ObjectModel, jpeg: bytes, runs: int, slice_size: int | None) -> dict[str, float]:
    decode, detect, engine, passes = [], [], [], 0
    original = model.detect
    model.detect = lambda image: original(image, slice_size)  # type: ignore[method-assign]
    window, arrays, config = temporal.WindowState(), {}, TemporalConfig()
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            image = np.asarray(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), np.uint8)
            t1 = time.perf_counter()
            observe(model, image, [], window, arrays, config)
            t2 = time.perf_counter()
            t = model.timings
            spent = t.preprocess_ms + t.inference_ms + t.postprocess_ms
            decode.append((t1 - t0) * 1e3)
            detect.append(spent)
            engine.append((t2 - t1) * 1e3 - spent)
            passes = t.passes
    finally:
        model.detect = original  # type: ignore[method-assign]
    stages = {
        "decode_ms": statistics.median(decode),
        "detect_ms": statistics.median(detect),
        "engine_ms": statistics.median(engine),
    }
    stages["total_ms"] = sum(stages.values())
    return {**{k: round(v, 1) for k, v in stages.items()}, "passes": passes}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--patrol-s", type=float, default=30.0)
    parser.add_argument("--model", default=CameraSettings().model)
    args = parser.parse_args()
    model = ObjectModel(default_models_dir(), args.model, threads=1)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, (w, h) in SIZES.items():
        jpeg = frame_jpeg(w, h)
        measure(model, jpeg, 2, None)  # warm-up: session creation, caches
        shipped = measure(model, jpeg, args.runs, None)
        whole = measure(model, jpeg, args.runs, 0)
        results[label] = {"shipped": shipped, "whole_frame_only": whole}
        per_core = args.patrol_s * 1000 / shipped["total_ms"]
        print(
            f"{model.name} {label}: shipped {shipped} | whole frame only {whole} -> "
            f"{shipped['total_ms'] / whole['total_ms']:.1f}x the whole-frame pass, "
            f"{per_core:.0f} presets per core per {args.patrol_s:.0f} s patrol"
        )
    summary = {
        "model": model.describe(),
        "tiling": model.manifest.slice_size,
        **{f"ms_per_frame_{k}": v["shipped"]["total_ms"] for k, v in results.items()},
        **{f"passes_{k}": v["shipped"]["passes"] for k, v in results.items()},
        **{
            f"ratio_to_whole_frame_{k}": round(
                v["shipped"]["total_ms"] / v["whole_frame_only"]["total_ms"], 2
            )
            for k, v in results.items()
        },
        **{
            f"presets_per_core_at_30s_{k}": round(args.patrol_s * 1000 / v["shipped"]["total_ms"])
            for k, v in results.items()
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
