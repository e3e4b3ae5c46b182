"""An ONNX object detector described by its manifest: letterbox -> session -> decode -> thresholds -> NMS.

An operator plugs in another compatible model by adding ``models/<name>.onnx`` and a
``models/<name>.json`` manifest; nothing else changes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from firegrid.detect.objects.boxes import Boxes, nms
from firegrid.detect.objects.decoders import DECODERS
from firegrid.detect.objects.letterbox import letterbox
from firegrid.detect.objects.slicer import sliced
from firegrid.detect.sessions import session
from firegrid.errors import ConfigError
from firegrid.telemetry import DETECTOR_SECONDS


class InputSpec(BaseModel):
    """The model's input tensor."""

    name: str = "images"
    width: int = Field(640, ge=32)
    height: int = Field(640, ge=32)
    channels: Literal["RGB", "BGR"] = "RGB"
    pad_value: int = Field(114, ge=0, le=255)


class ObjectManifest(BaseModel):
    """What ``models/<name>.json`` says about an object detector."""

    name: str
    version: str
    file: str
    sha256: str
    kind: Literal["object detector"] = "object detector"
    # "cue": a non-learned rule (the flame-colour baseline) whose boxes may be looked at, never paged on:
    # camera patrols, sequence replays and detect-image --ingest refuse it
    role: Literal["detector", "cue"] = "detector"
    input: InputSpec = Field(default_factory=InputSpec)
    layout: Literal["ultralytics", "pyronear"]
    classes: list[str]
    thresholds: dict[str, float]  # per class: minimum score
    nms_iou: float = Field(0.45, ge=0, le=1)
    max_box_width: float = Field(1.0, gt=0, le=1)  # drop boxes wider than this fraction of the image
    # tile side (image pixels) for inference on frames larger than that: overlapping tiles, each
    # letterboxed to the input like a training frame, merged with NMS; 0: whole frames only; None: whole
    # frames in camera patrols, the caller's choice in detect-image (older manifests)
    slice_size: int | None = Field(None, ge=0)
    slice_overlap: float = Field(0.2, ge=0, lt=1)
    slice_whole: bool = True  # tiled frames also get a whole-frame pass (large plumes, close flames)
    # per class: the minimum score of a box found in a tile (default: ``thresholds``). Tiles look at more
    # of the frame at a finer scale, so they get their own bar, calibrated on full-size validation frames
    slice_thresholds: dict[str, float] = Field(default_factory=dict)
    licence: str = ""
    description: str = ""

    def threshold(self, class_id: int, tile: bool = False) -> float:
        """The score threshold of a class (the lowest configured one if unnamed); ``tile``: for boxes
        found in a tile."""
        name = self.classes[class_id] if class_id < len(self.classes) else ""
        whole = self.thresholds.get(name, min(self.thresholds.values(), default=0.25))
        return self.slice_thresholds.get(name, whole) if tile else whole


@dataclass
class Timings:
    """Milliseconds of the last call, per stage."""

    preprocess_ms: float = 0.0
    inference_ms: float = 0.0
    postprocess_ms: float = 0.0
    passes: int = 0  # model runs (tiles + whole frame)
    history: list[tuple[float, float, float]] = field(default_factory=list, repr=False)


class ObjectModel:
    """A manifest-described ONNX detector (one session per process, created on first use)."""

    def __init__(self, models_dir: Path, name: str, threads: int = 1) -> None:
        path = models_dir / f"{name}.json"
        if not path.is_file():
            raise ConfigError(f"model manifest {path} not found (add models/{name}.onnx and its manifest)")
        self.manifest = ObjectManifest.model_validate(json.loads(path.read_text()))
        if self.manifest.kind != "object detector":
            raise ConfigError(f"{path}: not an object detector")
        self.path = models_dir / self.manifest.file
        self.threads = threads
        self.timings = Timings()

    @property
    def name(self) -> str:
        """The model's name."""
        return self.manifest.name

    @property
    def classes(self) -> list[str]:
        """Class names."""
        return self.manifest.classes

    def require_detector(self, use: str) -> None:
        """``ConfigError`` when this model is only a cue (it must not raise alarms on its own)."""
        if self.manifest.role == "cue":
            raise ConfigError(
                f"model {self.name} is a cue, not a detector: it cannot be used for {use} "
                "(use a learned model such as smoke-fire)"
            )

    def describe(self) -> dict[str, str]:
        """Name, version and hash (provenance of every detection)."""
        return {"name": self.manifest.name, "version": self.manifest.version, "sha256": self.manifest.sha256}

    def detect(
        self, image_bgr: NDArray[np.uint8], slice_size: int | None = None, overlap: float | None = None
    ) -> Boxes:
        """Boxes in image pixels, thresholded per class and de-duplicated: the shipped inference — tiles
        of ``slice_size`` (default: the manifest's) plus the whole frame when the frame is larger."""
        m = self.manifest
        size = (m.slice_size or 0) if slice_size is None else slice_size
        self.timings = Timings()
        t0 = time.perf_counter()
        boxes = sliced(
            self.detect_whole,
            image_bgr,
            size,
            m.slice_overlap if overlap is None else overlap,
            m.nms_iou,
            whole=m.slice_whole,
            detect_tile=lambda tile: self.detect_whole(tile, tile=True),
        )
        width = boxes.xyxy[:, 2] - boxes.xyxy[:, 0]
        boxes = boxes[width <= m.max_box_width * image_bgr.shape[1]]
        DETECTOR_SECONDS.labels(m.name).observe(time.perf_counter() - t0)
        return boxes

    def detect_whole(self, image_bgr: NDArray[np.uint8], tile: bool = False) -> Boxes:
        """One model pass on the whole image (letterboxed; ``tile``: the image is a tile of a larger frame,
        its boxes meet the tile thresholds); timings add up in ``self.timings``."""
        spec = self.manifest.input
        t0 = time.perf_counter()
        tensor, fit = letterbox(
            image_bgr, spec.width, spec.height, spec.pad_value, rgb=spec.channels == "RGB"
        )
        t1 = time.perf_counter()
        output = session(self.path, self.manifest.sha256, self.threads).run(None, {spec.name: tensor})[0]
        t2 = time.perf_counter()
        boxes = fit.to_image(postprocess(np.asarray(output, np.float32), self.manifest, tile))
        t3 = time.perf_counter()
        t = self.timings
        t.preprocess_ms += (t1 - t0) * 1e3
        t.inference_ms += (t2 - t1) * 1e3
        t.postprocess_ms += (t3 - t2) * 1e3
        t.passes += 1
        return boxes

    def postprocess(self, output: NDArray[np.float32]) -> Boxes:
        """Decode, apply class thresholds, NMS (model-input pixels)."""
        return postprocess(output, self.manifest)


def postprocess(output: NDArray[np.float32], manifest: ObjectManifest, tile: bool = False) -> Boxes:
    """Decode a raw output, apply the manifest's class thresholds and NMS (model-input pixels)."""
    boxes = DECODERS[manifest.layout](output, len(manifest.classes))
    n = max(1, len(manifest.classes))
    thresholds = np.array([manifest.threshold(i, tile) for i in range(n)], np.float32)
    keep = boxes.score >= thresholds[np.clip(boxes.class_id, 0, len(thresholds) - 1)]
    boxes = boxes[keep]
    return boxes[nms(boxes, manifest.nms_iou)]


def manifest_for(data: dict[str, Any]) -> ObjectManifest:
    """Validate manifest data (used by the model build scripts)."""
    return ObjectManifest.model_validate(data)


def installed_models(models_dir: Path) -> list[str]:
    """Names of the object detectors with a manifest in ``models_dir`` (sorted; unreadable ones skipped)."""
    names = []
    for path in sorted(models_dir.glob("*.json")):
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("kind") == "object detector" and manifest.get("name"):
            names.append(str(manifest["name"]))
    return names
