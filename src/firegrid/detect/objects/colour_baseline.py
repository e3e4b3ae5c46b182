"""A non-learned flame-colour detector as an ONNX graph, in the ultralytics output layout.

It is a *baseline* so the camera and drone paths run end to end before a trained model
exists: per pixel, a flame-colour rule (R > 0.7, R >= G > B, R - B > 0.35, Chen et al.
2004 style); per 32 x 32 cell, the fraction of such pixels x 3 (capped at 1) is the
"fire" score of a box covering the cell. It sees flames, not smoke, and any saturated
orange object; see models/fire-colour-baseline.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

SIZE = 640
CELL = 32


def build_graph(size: int = SIZE) -> Any:
    """The ONNX ModelProto (opset 17): images (1, 3, size, size) RGB in [0, 1] -> output0 (1, 5, N)."""
    from onnx import TensorProto, checker, helper, numpy_helper

    n = (size // CELL) ** 2
    centres = np.arange(CELL / 2, size, CELL, dtype=np.float32)
    cy, cx = np.meshgrid(centres, centres, indexing="ij")
    boxes = np.stack([cx.ravel(), cy.ravel(), np.full(n, CELL, np.float32), np.full(n, CELL, np.float32)])[
        None
    ]
    init = [
        numpy_helper.from_array(boxes.astype(np.float32), "boxes"),
        numpy_helper.from_array(np.array([1, 1, 1], np.int64), "split_sizes"),
        numpy_helper.from_array(np.array(0.7, np.float32), "r_min"),
        numpy_helper.from_array(np.array(0.35, np.float32), "rb_min"),
        numpy_helper.from_array(np.array(3.0, np.float32), "gain"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array([1, 1, n], np.int64), "score_shape"),
    ]
    h = helper
    nodes = [
        h.make_node("Split", ["images", "split_sizes"], ["r", "g", "b"], axis=1),
        h.make_node("Greater", ["r", "r_min"], ["bright"]),
        h.make_node("GreaterOrEqual", ["r", "g"], ["r_ge_g"]),
        h.make_node("Greater", ["g", "b"], ["g_gt_b"]),
        h.make_node("Sub", ["r", "b"], ["r_minus_b"]),
        h.make_node("Greater", ["r_minus_b", "rb_min"], ["warm"]),
        h.make_node("And", ["bright", "r_ge_g"], ["a1"]),
        h.make_node("And", ["a1", "g_gt_b"], ["a2"]),
        h.make_node("And", ["a2", "warm"], ["flame"]),
        h.make_node("Cast", ["flame"], ["flame_f"], to=TensorProto.FLOAT),
        h.make_node(
            "AveragePool", ["flame_f"], ["fraction"], kernel_shape=[CELL, CELL], strides=[CELL, CELL]
        ),
        h.make_node("Mul", ["fraction", "gain"], ["scaled"]),
        h.make_node("Min", ["scaled", "one"], ["score_map"]),
        h.make_node("Reshape", ["score_map", "score_shape"], ["score"]),
        h.make_node("Concat", ["boxes", "score"], ["output0"], axis=1),
    ]
    graph = h.make_graph(
        nodes,
        "fire-colour-baseline",
        [h.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [h.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 5, n])],
        initializer=init,
    )
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], producer_name="firegrid")
    model.ir_version = 8
    checker.check_model(model)
    return model


def build(size: int = SIZE, name: str = "fire-colour-baseline") -> tuple[bytes, dict[str, Any]]:
    """The serialised graph and its manifest."""
    data = build_graph(size).SerializeToString()
    manifest = {
        "name": name,
        "version": "0.1.0",
        "file": f"{name}.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "kind": "object detector",
        "role": "cue",
        "input": {"name": "images", "width": size, "height": size, "channels": "RGB", "pad_value": 114},
        "layout": "ultralytics",
        "classes": ["fire"],
        "thresholds": {"fire": 0.3},
        "nms_iou": 0.45,
        "max_box_width": 1.0,
        "licence": "Apache-2.0 (no training data)",
        "description": "Non-learned flame-colour baseline (32 px cells); sees flames, not smoke. "
        "See models/fire-colour-baseline.md.",
    }
    return data, manifest
