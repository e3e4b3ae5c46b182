"""Readers of the two training sets, augmentation geometry and CenterNet targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the train extra (torch) is not installed")

from firegrid.detect.objects.letterbox import letterbox  # noqa: E402
from firegrid.errors import InputError  # noqa: E402
from firegrid.training.augment import hflip, place  # noqa: E402
from firegrid.training.config import DataConfig  # noqa: E402
from firegrid.training.datasets import read_voc, read_yolo  # noqa: E402
from firegrid.training.network import decode  # noqa: E402
from firegrid.training.sets import load_samples  # noqa: E402
from firegrid.training.targets import encode  # noqa: E402
from tests.training.fake_sets import make_shared  # noqa: E402


def test_samples_follow_split_and_drop_default(tmp_path: Path) -> None:
    root = make_shared(tmp_path)
    s = load_samples(root, DataConfig(negatives_margin=1), None)
    assert len(s.select("train", "hpwren", "positive")) == 3
    assert len(s.select("val", "hpwren", "positive")) == 3
    assert {x.view for x in s.select("val", "hpwren")} == {2}
    cctv = s.select("train", "cctv")
    assert len(cctv) == 3 and all(x.labels == ["fire"] for x in cctv)  # the "default" image is gone
    assert cctv[0].boxes[0].tolist() == pytest.approx([33.6, 45.6, 62.4, 74.4], abs=0.01)


def test_bad_annotation_files_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "a.xml"
    bad.write_text("<annotation><object><name>smoke</name></object>")
    with pytest.raises(InputError, match=r"a\.xml"):
        read_voc(bad)
    txt = tmp_path / "b.txt"
    txt.write_text("0 0.5 0.5\n")
    with pytest.raises(InputError, match=r"b\.txt:1"):
        read_yolo(txt, 100, 100)


def test_centred_placement_is_the_runtime_letterbox() -> None:
    rng = np.random.default_rng(2)
    image = rng.integers(0, 255, (48, 64, 3), np.uint8)
    canvas, boxes, keep = place(image, np.array([[8, 8, 24, 16]], np.float32), 32, 1.0, None)
    tensor, fit = letterbox(image, 32, 32, 114, rgb=False)
    assert np.array_equal(canvas.transpose(2, 0, 1)[None] / np.float32(255.0), tensor)
    assert boxes[0].tolist() == pytest.approx([4 + fit.pad_x, 4 + fit.pad_y, 12 + fit.pad_x, 8 + fit.pad_y])
    assert keep.all()
    flipped, fb = hflip(canvas, boxes)
    assert fb[0, 0] == pytest.approx(32 - boxes[0, 2]) and np.array_equal(flipped[:, ::-1], canvas)


def test_targets_decode_back_to_the_boxes() -> None:
    boxes = np.array([[40, 60, 140, 110], [200, 30, 212, 42]], np.float32)
    heat, reg, mask = encode(boxes, [0, 1], 2, 256)
    assert mask.sum() == 2
    # a perfect network: logits that reproduce the heatmap, log sizes and offsets (inverse sigmoid)
    eps = 1e-6
    logits = torch.logit(torch.from_numpy(heat).clamp(eps, 1 - eps))[None]
    off = torch.logit(torch.from_numpy(reg[2:]).clamp(eps, 1 - eps))[None]
    out = decode(logits, torch.from_numpy(reg[:2])[None], off)[0].numpy()
    for box, cls in zip(boxes, (0, 1), strict=True):
        best = out[:, np.argmax(out[4 + cls])]
        cx, cy, w, h = best[:4]
        assert [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] == pytest.approx(box.tolist(), abs=0.01)
