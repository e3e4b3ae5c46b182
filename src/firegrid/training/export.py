"""Export a trained network to ONNX in the runtime's layout and write its manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import torch

from firegrid.detect.objects.model import ObjectManifest
from firegrid.training.config import TrainConfig
from firegrid.training.network import ExportWrapper, SmokeFireNet

log = logging.getLogger(__name__)

LICENCE = (
    "weights: CC BY-NC-SA 4.0 (trained on AI For Mankind lookout-smoke boxes, CC BY-NC-SA 4.0, the "
    "fire-wrpgm CCTV set, CC BY 4.0, and the try20 drone pile-burn set, CC BY 4.0; HPWREN images credit "
    "HPWREN/UCSD; FLAME drone frames); code Apache-2.0"
)
PHOTOS_LICENCE = (
    "; everyday photos of Debian packages as negatives only, not redistributed (opencv-doc sample data, "
    "Apache-2.0; Plasma and MATE wallpapers, GPL-2+; UKUI wallpapers, CC BY-SA 3.0)"
)


def export_onnx(net: SmokeFireNet, size: int, path: Path) -> str:
    """Write the ONNX graph (input ``images`` (1, 3, S, S), output ``(1, 4 + C, N)``); return its sha256."""
    net.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and shape-inference chatter
        torch.onnx.export(
            ExportWrapper(net),
            (torch.zeros(1, 3, size, size),),
            str(path),
            input_names=["images"],
            output_names=["output0"],
            opset_version=17,
            dynamo=False,
        )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(cfg: TrainConfig, sha256: str, thresholds: dict[str, float], description: str) -> ObjectManifest:
    """The runtime manifest of an exported model."""
    data: dict[str, Any] = {
        "name": cfg.name,
        "version": cfg.version,
        "file": f"{cfg.name}.onnx",
        "sha256": sha256,
        "kind": "object detector",
        "input": {"name": "images", "width": cfg.input_size, "height": cfg.input_size, "channels": "RGB"},
        "layout": "ultralytics",
        "classes": cfg.classes,
        "thresholds": thresholds,
        "nms_iou": cfg.nms_iou,
        "max_box_width": 1.0,
        "slice_size": cfg.slice_size,
        "slice_overlap": cfg.slice_overlap,
        "slice_whole": True,
        "licence": LICENCE + (PHOTOS_LICENCE if cfg.data.photos else ""),
        "description": description,
    }
    return ObjectManifest.model_validate(data)


def write_manifest(m: ObjectManifest, folder: Path) -> Path:
    """``<folder>/<name>.json``."""
    path = folder / f"{m.name}.json"
    path.write_text(json.dumps(m.model_dump(), indent=2, ensure_ascii=False) + "\n")
    return path
