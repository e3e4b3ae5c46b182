"""ONNX Runtime sessions: one per (file, threads) per process, created on first use, hash-checked."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigError

_lock = threading.Lock()
_sessions: dict[tuple[str, int], Any] = {}


def session(path: Path, sha256: str, threads: int = 1) -> Any:
    """The process's session for ``path``; ``ConfigError`` when the file is missing or altered."""
    key = (str(path), threads)
    with _lock:
        if key not in _sessions:
            if not path.is_file():
                raise ConfigError(f"model file {path} not found")
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != sha256:
                raise ConfigError(f"{path}: sha256 {digest} does not match its manifest")
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            _sessions[key] = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        return _sessions[key]
