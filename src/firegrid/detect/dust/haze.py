"""A dust/haze likelihood map for camera images, shipped as an ONNX graph.

Dust is a translucent, low-saturation, low-contrast veil that lifts the dark channel
(He, Sun & Tang 2009: the minimum over colour channels and a 7 x 7 patch is near zero
in clear, textured scenes). Per pixel of an RGB image in [0, 1]:

    p = ramp(dark_channel; 0.25 .. 0.45) * ramp(0.45 - saturation; 0 .. 0.2)
        * ramp(0.09 - local_std; 0 .. 0.05)

with ``local_std`` the 9 x 9 standard deviation of the grey image. ``p > 0.5`` is dusty.
Hazy sky and distant haze score too: a single image says "dust-like haze covers x % of
the region", not "a plume"; plumes are events confirmed over frames (``plume``), and
regions of interest keep the sky out. The constants were chosen on the five CDE example
photos and the S-Dust pair (see docs/dust.md for what they give on negatives).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.detect.satellite.runtime import load_manifest
from firegrid.detect.sessions import session

HAZE = {
    "dark_kernel": 7,
    "std_kernel": 9,
    "dark_lo": 0.25,
    "dark_span": 0.20,
    "sat_hi": 0.45,
    "sat_span": 0.20,
    "std_hi": 0.09,
    "std_span": 0.05,
}
SIZE = 320  # analysis size (longer side)
NAME = "dust-haze-baseline"


def _ramp(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return np.clip(x, 0.0, 1.0)


def haze_numpy(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """Reference implementation: (H, W, 3) RGB in 0..1 -> (H, W) likelihood."""
    t = HAZE
    low = rgb.min(axis=2)
    high = rgb.max(axis=2)
    sat = (high - low) / (high + np.float32(1e-6))
    k = int(t["dark_kernel"])
    dark = cv2.erode(low, np.ones((k, k), np.uint8), borderType=cv2.BORDER_REPLICATE)
    grey = rgb.sum(axis=2) * np.float32(1.0 / 3.0)
    s = int(t["std_kernel"])
    mean = cv2.blur(grey, (s, s), borderType=cv2.BORDER_REFLECT_101)
    mean_sq = cv2.blur(grey * grey, (s, s), borderType=cv2.BORDER_REFLECT_101)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    p = (
        _ramp((dark - t["dark_lo"]) / t["dark_span"])
        * _ramp((t["sat_hi"] - sat) / t["sat_span"])
        * _ramp((t["std_hi"] - std) / t["std_span"])
    )
    return p.astype(np.float32)


def build_graph() -> Any:
    """The ONNX graph (opset 17): images (1, 3, H, W) RGB in 0..1 -> dust (1, 1, H, W)."""
    from onnx import TensorProto, checker, helper, numpy_helper

    t = HAZE
    k, s = int(t["dark_kernel"]), int(t["std_kernel"])
    consts = {
        "eps": 1e-6,
        "zero": 0.0,
        "one": 1.0,
        "dark_lo": t["dark_lo"],
        "dark_span": t["dark_span"],
        "sat_hi": t["sat_hi"],
        "sat_span": t["sat_span"],
        "std_hi": t["std_hi"],
        "std_span": t["std_span"],
        "third": 1.0 / 3.0,
    }
    init = [numpy_helper.from_array(np.array(v, np.float32), name) for name, v in consts.items()]
    h = helper
    pad_k, pad_s = [k // 2] * 4, [s // 2] * 4
    nodes = [
        h.make_node("ReduceMin", ["images"], ["low"], axes=[1], keepdims=1),
        h.make_node("ReduceMax", ["images"], ["high"], axes=[1], keepdims=1),
        h.make_node("ReduceSum", ["images", "axis1"], ["sum"], keepdims=1),
        h.make_node("Sub", ["high", "low"], ["chroma"]),
        h.make_node("Add", ["high", "eps"], ["high_eps"]),
        h.make_node("Div", ["chroma", "high_eps"], ["sat"]),
        # dark channel: erosion = -maxpool(-x); edge padding like BORDER_REPLICATE
        h.make_node("Pad", ["low", "pads_k"], ["low_pad"], mode="edge"),
        h.make_node("Neg", ["low_pad"], ["neg_low"]),
        h.make_node("MaxPool", ["neg_low"], ["neg_dark"], kernel_shape=[k, k]),
        h.make_node("Neg", ["neg_dark"], ["dark"]),
        # local std of grey: ONNX reflect padding = OpenCV BORDER_REFLECT_101
        h.make_node("Mul", ["sum", "third"], ["grey"]),
        h.make_node("Pad", ["grey", "pads_s"], ["grey_pad"], mode="reflect"),
        h.make_node("AveragePool", ["grey_pad"], ["mean"], kernel_shape=[s, s]),
        h.make_node("Mul", ["grey_pad", "grey_pad"], ["grey_sq"]),
        h.make_node("AveragePool", ["grey_sq"], ["mean_sq"], kernel_shape=[s, s]),
        h.make_node("Mul", ["mean", "mean"], ["mean2"]),
        h.make_node("Sub", ["mean_sq", "mean2"], ["var"]),
        h.make_node("Relu", ["var"], ["var_pos"]),
        h.make_node("Sqrt", ["var_pos"], ["std"]),
        # ramps
        h.make_node("Sub", ["dark", "dark_lo"], ["d1"]),
        h.make_node("Div", ["d1", "dark_span"], ["d2"]),
        h.make_node("Clip", ["d2", "zero", "one"], ["p_dark"]),
        h.make_node("Sub", ["sat_hi", "sat"], ["s1"]),
        h.make_node("Div", ["s1", "sat_span"], ["s2"]),
        h.make_node("Clip", ["s2", "zero", "one"], ["p_sat"]),
        h.make_node("Sub", ["std_hi", "std"], ["t1"]),
        h.make_node("Div", ["t1", "std_span"], ["t2"]),
        h.make_node("Clip", ["t2", "zero", "one"], ["p_std"]),
        h.make_node("Mul", ["p_dark", "p_sat"], ["p1"]),
        h.make_node("Mul", ["p1", "p_std"], ["dust"]),
    ]
    init += [
        numpy_helper.from_array(np.array([0, 0, *pad_k[:2], 0, 0, *pad_k[2:]], np.int64), "pads_k"),
        numpy_helper.from_array(np.array([0, 0, *pad_s[:2], 0, 0, *pad_s[2:]], np.int64), "pads_s"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
    ]
    graph = h.make_graph(
        nodes,
        NAME,
        [h.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [h.make_tensor_value_info("dust", TensorProto.FLOAT, [1, 1, "H", "W"])],
        initializer=init,
    )
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], producer_name="firegrid")
    model.ir_version = 8
    model.doc_string = "Dust/haze likelihood: dark channel x low saturation x low local contrast"
    checker.check_model(model)
    return model


def sky_mask(rgb: NDArray[np.float32]) -> NDArray[np.bool_]:
    """Smooth, bright, cool-toned (B >= R) areas connected to the top edge: open sky.

    Dust is warm or neutral (soil, cement) and textured at its edges; clear and hazy sky
    is smooth and bluish. Clouds are not sky here: regions of interest keep them out.
    """
    grey = rgb.mean(axis=2)
    mean = cv2.blur(grey, (9, 9))
    std = np.sqrt(np.maximum(cv2.blur(grey * grey, (9, 9)) - mean * mean, 0.0))
    candidate = ((std < 0.02) & (rgb[..., 2] >= rgb[..., 0] - 0.01) & (grey > 0.3)).astype(np.uint8)
    _, labels = cv2.connectedComponents(candidate, connectivity=4)
    top = np.unique(labels[0][candidate[0] > 0])
    return np.isin(labels, top[top > 0])


def build() -> tuple[bytes, dict[str, Any]]:
    """The serialised graph and its manifest."""
    data = build_graph().SerializeToString()
    return data, manifest_for(data)


def manifest_for(data: bytes) -> dict[str, Any]:
    """The manifest next to the graph."""
    return {
        "name": NAME,
        "version": "1.0.0",
        "kind": "per-pixel dust/haze likelihood (camera images)",
        "file": f"{NAME}.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "inputs": ["images"],
        "input_layout": "float32 [1, 3, H, W] RGB in 0..1 (analysis size: longer side 320)",
        "outputs": ["dust"],
        "thresholds": HAZE,
        "pixel_threshold": 0.5,
        "reference": "dark channel prior: He, Sun & Tang 2009 (CVPR); constants chosen on the "
        "CDE examples (ruoxinx/site-dust-detect) and the S-Dust pair, see models/dust-haze-baseline.md",
        "opset": 17,
        "licence": "Apache-2.0 (firegrid); no training data",
        "built_by": "scripts/build_dust_models.py",
    }


def analysis_rgb(image_bgr: NDArray[np.uint8], size: int = SIZE) -> NDArray[np.float32]:
    """RGB in 0..1 at the analysis size."""
    h, w = image_bgr.shape[:2]
    scale = size / max(h, w)
    small = cv2.resize(
        image_bgr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    return np.ascontiguousarray(small[..., ::-1], dtype=np.float32) / np.float32(255.0)


class HazeModel:
    """The shipped haze graph (session created on first use, once per process)."""

    def __init__(self, models_dir: Path, threads: int = 1) -> None:
        self.manifest = load_manifest(models_dir, NAME)
        self.path = models_dir / self.manifest.file
        self.threads = threads
        self.pixel_threshold = float(self.manifest.raw.get("pixel_threshold", 0.5))

    def likelihood(self, rgb: NDArray[np.float32]) -> NDArray[np.float32]:
        """(H, W, 3) RGB in 0..1 -> (H, W) dust likelihood."""
        tensor = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
        out = session(self.path, self.manifest.sha256, self.threads).run(["dust"], {"images": tensor})[0]
        return np.asarray(out[0, 0], dtype=np.float32)

    def dusty(self, image_bgr: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        """The analysis-size RGB image and its dusty-pixel mask (clear sky removed)."""
        rgb = analysis_rgb(image_bgr)
        return rgb, (self.likelihood(rgb) > self.pixel_threshold) & ~sky_mask(rgb)

    def describe(self) -> dict[str, str]:
        """Name, version, hash."""
        return {"name": NAME, "version": self.manifest.version, "sha256": self.manifest.sha256}
