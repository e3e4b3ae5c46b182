"""Per-pixel test graphs: find the ONNX file and manifest, check the hash, run it.

Sessions are created lazily, once per process and file, never at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.detect.sessions import session
from firegrid.errors import ConfigError
from firegrid.telemetry import DETECTOR_SECONDS


def default_models_dir() -> Path:
    """``models/`` of the source checkout this package runs from, else ``./models``."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "models"
        if (candidate / "README.md").is_file() and (parent / "pyproject.toml").is_file():
            return candidate
    return Path("models")


@dataclass(frozen=True)
class Manifest:
    """What a model's JSON manifest says."""

    name: str
    version: str
    sha256: str
    file: str
    inputs: list[str]
    outputs: list[str]
    raw: dict[str, Any]


def load_manifest(models_dir: Path, name: str) -> Manifest:
    """The manifest ``<name>.json``; ``ConfigError`` naming the path when missing."""
    path = models_dir / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"model manifest {path} not found (set FIREGRID_MODELS_DIR)")
    raw = json.loads(path.read_text())
    return Manifest(
        raw["name"], raw["version"], raw["sha256"], raw["file"], raw["inputs"], raw["outputs"], raw
    )


class PixelModel:
    """An ONNX per-pixel test graph: float32 [H, W] bands in, bool masks out."""

    def __init__(self, models_dir: Path, name: str, threads: int = 1) -> None:
        self.manifest = load_manifest(models_dir, name)
        self.path = models_dir / self.manifest.file
        self.threads = threads

    def _session(self) -> Any:
        return session(self.path, self.manifest.sha256, self.threads)

    def run(self, bands: dict[str, NDArray[np.float32]]) -> dict[str, NDArray[np.bool_]]:
        """Evaluate the graph on same-shaped float32 arrays."""
        feeds = {name: np.ascontiguousarray(bands[name], dtype=np.float32) for name in self.manifest.inputs}
        with DETECTOR_SECONDS.labels(self.manifest.name).time():
            outputs = self._session().run(self.manifest.outputs, feeds)
        return dict(zip(self.manifest.outputs, outputs, strict=True))
