"""Full-resolution ignition sequences built from real lookout sequences: the plume's growth frame by frame
is the camera's own, only the pixels are enlarged.

The lookout frames (640 × 480) are downscaled from 3072 × 2048 HPWREN originals, so a plume covers the
same share of the frame as it did in the original. Each frame of a validation ignition stream
(:func:`events.hpwren_sequences`) is enlarged back to 3072 × 2048 (bicubic), given sensor noise and
re-encoded as JPEG like a camera's snapshot, so the shipped inference meets it tiled as it would meet the
original. The streams hold few frames before the first smoke frame, so pre-ignition frames of the same
view are put in front: validation negatives (:func:`negatives.hard_negatives`) whose thumbnail matches the
stream's first frame (the same camera pointing the same way), in time order. Enlarged frames are softer
than real full-resolution ones (no detail finer than the 640 px original): a stand-in, not the real thing.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.imagery.decode import read_image
from firegrid.training.events import MIN_FRAMES, SAME_VIEW, Frames, Sequence, hpwren_sequences
from firegrid.training.negatives import cuid_time, hard_negatives

WIDTH, HEIGHT = 3072, 2048
NOISE = 2.0  # grey levels of sensor noise at full resolution
QUALITY = 90  # JPEG quality of the camera's snapshot
PRE_FRAMES = 40  # pre-ignition frames wanted in front of each ignition stream (at most)
INTERLEAVED = 0.5  # frames k apart changing less than this × neighbours' change: interleaved cameras


def upscale(
    image: NDArray[np.uint8],
    seed: int,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    noise: float = NOISE,
    quality: int = QUALITY,
) -> bytes:
    """The frame enlarged to ``size`` with Gaussian sensor noise, as JPEG bytes (deterministic per seed)."""
    big = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    if noise > 0:
        big += np.random.default_rng(seed).standard_normal(big.shape, np.float32) * noise
    ok, buffer = cv2.imencode(
        ".jpg", np.clip(big, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("JPEG encoding of an enlarged frame failed")
    return buffer.tobytes()


def _thumb(path: Path) -> NDArray[np.float32]:
    small = cv2.resize(read_image(path, str(path)), (64, 48), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)


def _change(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(np.mean(np.abs(a - b)))


def cameras(paths: list[Path]) -> list[list[Path]]:
    """A stream split into the cameras it interleaves, order kept.

    Sites with several cameras (or a camera stepping between a few headings) give frames that all look
    alike at thumbnail size, so :func:`events.streams` keeps them in one stream. Interleaving shows as a
    period: frames ``k`` apart (k = 2..4) differ much less than neighbours. Then each frame joins the
    camera whose last frame it resembles most, or starts one when none is closer than half the
    neighbours' typical change; otherwise the stream is one camera.
    """
    thumbs = [_thumb(p) for p in paths]
    lag = {
        k: float(np.median([_change(thumbs[i], thumbs[i - k]) for i in range(k, len(thumbs))]))
        for k in range(1, 5)
        if len(thumbs) > k + 1
    }
    if len(lag) < 2 or min(v for k, v in lag.items() if k > 1) >= INTERLEAVED * lag[1]:
        return [paths]
    limit = INTERLEAVED * lag[1]
    out: list[tuple[NDArray[np.float32], list[Path]]] = []
    for path, thumb in zip(paths, thumbs, strict=True):
        change = [_change(thumb, last) for last, _ in out]
        if change and min(change) < limit:
            k = int(np.argmin(change))
            out[k] = (thumb, [*out[k][1], path])
        else:
            out.append((thumb, [path]))
    return [members for _, members in out]


def _rows(root: Path) -> list[dict[str, str]]:
    with (root / "split.csv").open() as f:
        return list(csv.DictReader(f))


def view_negatives(rows: list[dict[str, str]], root: Path, split: str, review: Path | None) -> list[Path]:
    """Negative frames of ``split`` (the training rule's hard negatives, margin 3) in time order."""
    negatives = hard_negatives(rows, 3, review)
    stems = sorted((cuid_time(r["stem"]), r["stem"]) for r in rows if r["split"] == split)
    return [root / "images" / f"{stem}.jpeg" for _, stem in stems if stem in negatives]


class FrameStore:
    """Enlarged frames as JPEG bytes, made once per source frame (the same seed gives the same noise);
    ``size`` None: the frames as they are."""

    def __init__(self, size: tuple[int, int] | None = (WIDTH, HEIGHT), noise: float = NOISE) -> None:
        self.size, self.noise = size, noise
        self._jpeg: dict[Path, bytes] = {}

    def frame(self, path: Path) -> NDArray[np.uint8]:
        """The enlarged frame of ``path`` (the frame itself when the store's ``size`` is None)."""
        if self.size is None:
            return read_image(path, str(path))
        if path not in self._jpeg:
            seed = zlib.crc32(path.name.encode())
            self._jpeg[path] = upscale(read_image(path, str(path)), seed, self.size, self.noise)
        data = np.frombuffer(self._jpeg[path], np.uint8)
        image: NDArray[np.uint8] = cv2.imdecode(data, cv2.IMREAD_COLOR)  # type: ignore[assignment]
        return image


def ignition_sequences(
    root: Path,
    store: FrameStore,
    split: str = "val",
    review: Path | None = None,
    pre_frames: int = PRE_FRAMES,
) -> list[Sequence]:
    """Every camera stream of ``split`` with at least ``MIN_FRAMES`` frames, through ``store``; ignition
    streams with up to ``pre_frames`` same-view negatives in front (module docstring)."""
    rows = _rows(root)
    annotated = {root / "images" / f"{r['stem']}.jpeg" for r in rows if r["annotated_smoke_box"] == "1"}
    negatives = view_negatives(rows, root, split, review)
    thumbs = {p: _thumb(p) for p in negatives}
    out = []
    for seq in hpwren_sequences(root, split):
        for k, paths in enumerate(c for c in cameras(seq.paths) if len(c) >= MIN_FRAMES):
            first = next((i for i, p in enumerate(paths) if p in annotated), None)
            pre: list[Path] = []
            if first is not None and pre_frames > 0:
                start, own = _thumb(paths[0]), set(seq.paths)
                same = [
                    p for p in negatives if p not in own and np.median(np.abs(thumbs[p] - start)) < SAME_VIEW
                ]
                pre = same[-pre_frames:]
            frames = pre + paths
            first = None if first is None else first + len(pre)
            out.append(Sequence(f"{seq.name}.{k}", _loader(store, frames), len(frames), first, frames))
    return out


def _loader(store: FrameStore, paths: list[Path]) -> Callable[[], Frames]:
    def frames() -> Frames:
        return (store.frame(p) for p in paths)

    return frames
