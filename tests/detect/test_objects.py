"""The object-detector runtime: decoders, NMS, letterbox, manifests, a drop-in model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.objects.boxes import Boxes, iou_matrix, nms
from firegrid.detect.objects.colour_baseline import build
from firegrid.detect.objects.decoders import decode_pyronear, decode_ultralytics
from firegrid.detect.objects.letterbox import letterbox
from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.errors import ConfigError, InputError


def test_decode_ultralytics_picks_the_best_class() -> None:
    out = np.zeros((1, 6, 3), np.float32)
    out[0, :4] = [[100, 200, 300], [50, 60, 70], [20, 10, 40], [10, 20, 30]]  # cx, cy, w, h
    out[0, 4] = [0.9, 0.1, 0.3]  # smoke
    out[0, 5] = [0.2, 0.8, 0.4]  # fire
    boxes = decode_ultralytics(out, 2)
    assert boxes.class_id.tolist() == [0, 1, 1]
    assert boxes.score.tolist() == pytest.approx([0.9, 0.8, 0.4])
    assert boxes.xyxy[0].tolist() == [90, 45, 110, 55]
    with pytest.raises(InputError, match=r"\(1, 6, N\)"):
        decode_ultralytics(np.zeros((1, 5, 3), np.float32), 2)


def test_decode_pyronear() -> None:
    out = np.array([[[320.0], [240.0], [64.0], [32.0], [0.7]]], np.float32)
    boxes = decode_pyronear(out)
    assert boxes.xyxy.tolist() == [[288, 224, 352, 256]] and boxes.score.tolist() == pytest.approx([0.7])
    with pytest.raises(InputError):
        decode_pyronear(np.zeros((1, 6, 2), np.float32))


def _brute_nms(boxes: Boxes, threshold: float) -> list[int]:
    order = sorted(range(len(boxes)), key=lambda i: -boxes.score[i])
    keep: list[int] = []
    for i in order:
        ok = True
        for j in keep:
            if boxes.class_id[i] != boxes.class_id[j]:
                continue
            if iou_matrix(boxes.xyxy[i : i + 1], boxes.xyxy[j : j + 1])[0, 0] > threshold:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


@pytest.mark.parametrize("seed", range(5))
def test_nms_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (120, 2))
    wh = rng.uniform(5, 60, (120, 2))
    boxes = Boxes(
        np.hstack([xy, xy + wh]).astype(np.float32),
        rng.random(120).astype(np.float32),
        rng.integers(0, 2, 120),
    )
    assert nms(boxes, 0.4).tolist() == _brute_nms(boxes, 0.4)


def test_letterbox_round_trip() -> None:
    image = np.zeros((240, 426, 3), np.uint8)
    tensor, fit = letterbox(image, 640, 640)
    assert tensor.shape == (1, 3, 640, 640) and tensor.dtype == np.float32
    assert fit.scale == pytest.approx(640 / 426) and fit.pad_x == 0 and fit.pad_y == (640 - 361) // 2
    model_box = Boxes(
        np.array([[fit.pad_x + 15, fit.pad_y + 30, fit.pad_x + 150, fit.pad_y + 60]], np.float32),
        np.ones(1, np.float32),
        np.zeros(1, np.int64),
    )
    back = fit.to_image(model_box)
    assert back.xyxy[0].tolist() == pytest.approx(
        [15 / fit.scale, 30 / fit.scale, 150 / fit.scale, 60 / fit.scale], abs=1e-3
    )


def tiny_model(
    folder: Path,
    boxes: np.ndarray,
    layout: str = "ultralytics",
    classes: tuple[str, ...] = ("smoke", "fire"),
    max_box_width: float = 1.0,
) -> None:
    """A model built with onnx.helper that ignores its input and emits fixed boxes."""
    import hashlib

    from onnx import TensorProto, helper, numpy_helper

    const = numpy_helper.from_array(boxes.astype(np.float32), "fixed")
    nodes = [
        helper.make_node("ReduceSum", ["images"], ["s"], keepdims=0),
        helper.make_node("Mul", ["s", "zero"], ["z"]),
        helper.make_node("Add", ["fixed", "z"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(boxes.shape))],
        initializer=[const, numpy_helper.from_array(np.array(0, np.float32), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data = model.SerializeToString()
    (folder / "tiny.onnx").write_bytes(data)
    (folder / "tiny.json").write_text(
        json.dumps(
            {
                "name": "tiny",
                "version": "1",
                "file": "tiny.onnx",
                "sha256": hashlib.sha256(data).hexdigest(),
                "input": {"name": "images", "width": 320, "height": 320},
                "layout": layout,
                "classes": list(classes),
                "thresholds": {"smoke": 0.3, "fire": 0.5},
                "nms_iou": 0.45,
                "max_box_width": max_box_width,
            }
        )
    )


def test_a_drop_in_model_is_loaded_from_its_manifest(tmp_path: Path) -> None:
    out = np.zeros((1, 6, 4), np.float32)
    out[0, :4] = [
        [160, 162, 40, 160],
        [120, 122, 160, 160],
        [20, 20, 300, 160],
        [8, 8, 8, 8],
    ]  # rows: cx, cy, w, h
    out[0, 4] = [0.9, 0.85, 0.2, 0.0]  # smoke: a duplicate (suppressed), one below 0.3
    out[0, 5] = [0.0, 0.0, 0.4, 0.6]  # fire: 0.4 is below the fire threshold 0.5
    tiny_model(tmp_path, out)
    model = ObjectModel(tmp_path, "tiny")
    image = np.zeros((320, 640, 3), np.uint8)  # letterboxed: scale 0.5, pad_y 80
    boxes = model.detect(image)
    assert boxes.class_id.tolist() == [0, 1]
    # anchor 0: (150, 116, 170, 124) in the 320 px input; the image was scaled by 0.5 and padded by 80 px
    assert boxes.xyxy[0].tolist() == pytest.approx([300, 72, 340, 88])
    assert boxes.score.tolist() == pytest.approx([0.9, 0.6])
    assert model.timings.inference_ms >= 0


def test_wide_boxes_are_dropped_and_a_pyronear_model_runs(tmp_path: Path) -> None:
    out = np.array([[[160.0, 160.0], [160.0, 160.0], [300.0, 50.0], [40.0, 40.0], [0.9, 0.8]]], np.float32)
    tiny_model(tmp_path, out, layout="pyronear", classes=("smoke",), max_box_width=0.4)
    boxes = ObjectModel(tmp_path, "tiny").detect(np.zeros((320, 320, 3), np.uint8))
    assert boxes.score.tolist() == pytest.approx([0.8])


def test_manifest_problems_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ObjectModel(tmp_path, "missing")


def test_committed_colour_baseline_is_what_the_script_builds() -> None:
    data, manifest = build()
    folder = default_models_dir()
    assert json.loads((folder / "fire-colour-baseline.json").read_text()) == manifest
    assert (folder / "fire-colour-baseline.onnx").read_bytes() == data
