"""Full-resolution ignition sequences from real lookout streams: enlargement, interleaved cameras,
same-view pre-ignition frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from firegrid.training.upscaled import FrameStore, cameras, ignition_sequences, upscale


def _scene(seed: int, shift: int = 0) -> np.ndarray:
    """A smooth random landscape (128 × 96), shifted sideways by ``shift`` pixels (another heading)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 10, 3)).astype(np.uint8)
    big = cv2.resize(small, (160, 96), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[:, 16 + shift : 144 + shift])


def _noisy(image: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, 1.0, image.shape), 0, 255).astype(np.uint8)


def test_upscale_is_deterministic_sized_and_noisy() -> None:
    image = _scene(1)
    a, b, other = upscale(image, 7, (320, 240)), upscale(image, 7, (320, 240)), upscale(image, 8, (320, 240))
    assert a == b and a != other
    frame = cv2.imdecode(np.frombuffer(a, np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (240, 320, 3)
    plain = cv2.resize(image, (320, 240), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    clean = cv2.imdecode(np.frombuffer(upscale(image, 7, (320, 240), noise=0), np.uint8), cv2.IMREAD_COLOR)
    assert np.abs(clean - plain).mean() < 2.0  # only JPEG
    assert np.std(frame - plain) > np.std(clean - plain) + 0.2  # the sensor noise is there (JPEG softens it)


def test_interleaved_cameras_are_split_and_one_camera_is_kept(tmp_path: Path) -> None:
    headings = [_scene(3), _scene(3, 4), _scene(3, 8)]  # one site, three headings that look alike
    paths = []
    for i in range(15):
        path = tmp_path / f"f{i:02d}.png"
        cv2.imwrite(str(path), _noisy(headings[i % 3], i))
        paths.append(path)
    split = cameras(paths)
    assert sorted(len(c) for c in split) == [5, 5, 5]
    assert all(len({int(p.stem[1:]) % 3 for p in c}) == 1 for c in split)  # each holds one heading
    drifting = []
    for i in range(15):
        path = tmp_path / f"d{i:02d}.png"
        cv2.imwrite(str(path), _noisy(np.clip(headings[0].astype(int) + i, 0, 255).astype(np.uint8), i))
        drifting.append(path)
    assert cameras(drifting) == [drifting]


def _lookout(root: Path) -> Path:
    """Two ignitions seen by one camera: 8 quiet frames, 3 smoke frames (2 annotated), 5 quiet, 8, 3."""
    hp = root / "hpwren"
    (hp / "images").mkdir(parents=True)
    lines = ["stem,annotated_smoke_box,view_cluster,split"]
    pattern = "00000000" + "101" + "00000" + "00000000" + "101"
    for i, flag in enumerate(pattern):
        stem = "c" + np.base_repr(10**12 + 1000 * i, 36).lower().rjust(8, "0") + f"fake{i}"
        image = _noisy(_scene(5), i)
        if flag == "1" or pattern[i - 1 : i] == "1":
            cv2.circle(image, (60, 40), 6, (220, 220, 220), -1)
        cv2.imwrite(str(hp / "images" / f"{stem}.jpeg"), image)
        lines.append(f"{stem},{flag},0,val")
    (hp / "split.csv").write_text("\n".join(lines) + "\n")
    return hp


def test_ignition_sequences_put_same_view_negatives_first(tmp_path: Path) -> None:
    hp = _lookout(tmp_path)
    seqs = ignition_sequences(hp, FrameStore((192, 128)), pre_frames=6)
    ignitions = [s for s in seqs if s.first_smoke is not None]
    assert ignitions
    annotated = {line.split(",")[0] for line in (hp / "split.csv").read_text().splitlines() if ",1," in line}
    for seq in ignitions:
        pre = seq.paths[: seq.first_smoke]
        assert seq.paths[seq.first_smoke].stem in annotated
        assert not any(p.stem in annotated for p in pre)
        assert len(seq.paths) == seq.length == len(set(seq.paths))
    longest = max(ignitions, key=lambda s: s.first_smoke or 0)
    assert longest.first_smoke is not None and longest.first_smoke > 8  # other frames of the view in front
    frames = list(longest.frames())
    assert len(frames) == longest.length and frames[0].shape == (128, 192, 3)
    as_is = ignition_sequences(hp, FrameStore(None), pre_frames=0)
    assert all(s.first_smoke is None or s.paths[s.first_smoke].stem in annotated for s in as_is)
    assert next(iter(as_is[0].frames())).shape == (96, 128, 3)
