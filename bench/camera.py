"""Camera path speed: ms/frame for decode, preprocess, inference and postprocess, one thread.

Runs the shipped model (fire-colour-baseline, 640 input) and the same graph built at 320,
on a 1920x1080 JPEG snapshot (decode = cv2.imdecode of that JPEG) and on frames of the
real fire clip; reports cameras per core at a 30 s patrol with one frame per preset visit.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from firegrid.detect.objects.colour_baseline import build
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir


def frame_1080p(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    image = cv2.resize(
        rng.integers(0, 255, (54, 96, 3), dtype=np.uint8), (1920, 1080), interpolation=cv2.INTER_LINEAR
    )
    image[600:680, 900:960] = (30, 140, 250)  # a flame-coloured patch
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def measure(model: ObjectModel, jpeg: bytes, runs: int) -> dict[str, float]:
    decode, pre, infer, post = [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        decode.append((time.perf_counter() - t0) * 1e3)
        model.detect(np.asarray(image, np.uint8))
        pre.append(model.timings.preprocess_ms)
        infer.append(model.timings.inference_ms)
        post.append(model.timings.postprocess_ms)
    stages = {
        "decode_ms": statistics.median(decode),
        "preprocess_ms": statistics.median(pre),
        "inference_ms": statistics.median(infer),
        "postprocess_ms": statistics.median(post),
    }
    stages["total_ms"] = sum(stages.values())
    return {k: round(v, 2) for k, v in stages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--patrol-s", type=float, default=30.0)
    args = parser.parse_args()
    jpeg = frame_1080p()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data, manifest = build(320, "fire-colour-baseline-320")
        (Path(tmp) / manifest["file"]).write_bytes(data)
        (Path(tmp) / f"{manifest['name']}.json").write_text(json.dumps(manifest))
        models = {
            640: ObjectModel(default_models_dir(), "fire-colour-baseline", threads=1),
            320: ObjectModel(Path(tmp), "fire-colour-baseline-320", threads=1),
        }
        for size, model in models.items():
            measure(model, jpeg, 5)  # warm-up: session creation, caches
            results[size] = measure(model, jpeg, args.runs)
            per_core = args.patrol_s * 1000 / results[size]["total_ms"]
            print(
                f"{model.name} @ {size}: {results[size]} -> {per_core:.0f} camera presets per core per "
                f"{args.patrol_s:.0f} s patrol"
            )
    print(
        json.dumps(
            {
                "model": "fire-colour-baseline",
                "ms_per_frame_640": results[640],
                "ms_per_frame_320": results[320],
                "presets_per_core_at_30s_640": round(args.patrol_s * 1000 / results[640]["total_ms"]),
                "presets_per_core_at_30s_320": round(args.patrol_s * 1000 / results[320]["total_ms"]),
            }
        )
    )


if __name__ == "__main__":
    main()
