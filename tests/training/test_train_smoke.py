"""CI smoke test of the training pipeline: a few synthetic frames, one step, export, load, detect, eval."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("torch", reason="the train extra (torch) is not installed")

from firegrid.detect.objects.model import ObjectModel
from firegrid.training.config import TrainConfig
from firegrid.training.report import evaluate_model
from firegrid.training.train import train
from tests.training.fake_sets import make_shared

REPO = Path(__file__).parents[2]


def test_one_step_trains_exports_and_loads(tmp_path: Path) -> None:
    shared = make_shared(tmp_path / "shared")
    cfg = TrainConfig.load(REPO / "training" / "smoke-tiny.yaml")
    result = train(cfg, shared, tmp_path / "models", tmp_path / "run", REPO)
    manifest = json.loads(result.manifest.read_text())
    assert manifest["sha256"] == hashlib.sha256(result.onnx.read_bytes()).hexdigest()
    assert manifest["classes"] == ["smoke", "fire"] and manifest["layout"] == "ultralytics"
    assert set(manifest["thresholds"]) == {"smoke", "fire"}
    record = json.loads(result.log.read_text().splitlines()[0])
    assert record["step"] == 1 and record["loss"]["total"] > 0
    model = ObjectModel(tmp_path / "models", cfg.name)
    image = cv2.imread(str(next((shared / "camera" / "hpwren_smoke" / "images").iterdir())))
    boxes = model.detect(np.asarray(image, np.uint8))
    assert boxes.xyxy.shape[1] == 4  # runs through the runtime (an untrained net may find nothing)
    report = evaluate_model(tmp_path / "models", cfg.name, shared, events=True)
    assert report["hpwren_val"]["positive_images"] == 3
    assert report["events"]["sequences"] == 1  # 001001001: no gap long enough to cut
    assert report["fullres_sequences"]["sequences"] >= 1  # the same frames enlarged to 3072 × 2048
    assert "page_share" in report["everyday"]
    assert report["speed"]["ms_per_frame"] > 0


def test_same_seed_same_first_step(tmp_path: Path) -> None:
    shared = make_shared(tmp_path / "shared")
    cfg = TrainConfig.load(REPO / "training" / "smoke-tiny.yaml")
    losses = []
    for run in ("a", "b"):
        result = train(cfg, shared, tmp_path / run, tmp_path / f"run-{run}", REPO)
        losses.append(json.loads(result.log.read_text().splitlines()[0])["loss"])
    assert losses[0] == losses[1]


def test_fine_tuning_starts_from_the_exported_graph(tmp_path: Path) -> None:
    from firegrid.errors import ConfigError
    from firegrid.training.network import SmokeFireNet
    from firegrid.training.warmstart import load_onnx_weights

    shared = make_shared(tmp_path / "shared")
    cfg = TrainConfig.load(REPO / "training" / "smoke-tiny.yaml")
    result = train(cfg, shared, tmp_path / "models", tmp_path / "run", REPO)
    sha = json.loads(result.manifest.read_text())["sha256"]
    net = SmokeFireNet(len(cfg.classes), cfg.width, pretrained=False)
    assert load_onnx_weights(net, result.onnx, cfg.input_size, sha) < 1e-4  # the same function again
    with pytest.raises(ConfigError, match="init_sha256"):
        load_onnx_weights(net, result.onnx, cfg.input_size, "0" * 64)


def test_fine_tuning_with_photos_heads_only_and_distillation(tmp_path: Path) -> None:
    from firegrid.errors import ConfigError
    from firegrid.training.network import SmokeFireNet
    from firegrid.training.train import _freeze

    shared = make_shared(tmp_path / "shared")
    cfg = TrainConfig.load(REPO / "training" / "smoke-tiny.yaml")
    first = train(cfg, shared, tmp_path / "models", tmp_path / "run", REPO)
    photo = tmp_path / "flower.png"
    cv2.imwrite(str(photo), np.full((48, 64, 3), (0, 120, 255), np.uint8))
    (tmp_path / "photos.csv").write_text(f"path,package,shows\n{photo},test,orange flower\n")
    tuned = cfg.model_copy(
        update={
            "init_from": str(first.onnx),
            "init_sha256": json.loads(first.manifest.read_text())["sha256"],
            "data": cfg.data.model_copy(
                update={"photos": str(tmp_path / "photos.csv"), "photos_classes": ["fire"]}
            ),
            "optim": cfg.optim.model_copy(update={"distill": 1.0, "train_only": ["heat", "smooth"]}),
            "thresholds_max": {"fire": 0.05},
        }
    )
    result = train(tuned, shared, tmp_path / "tuned", tmp_path / "run2", REPO)
    shipped = json.loads(result.manifest.read_text())
    assert shipped["thresholds"]["fire"] <= 0.05 and "capped" in shipped["description"]
    assert "Debian" in shipped["licence"]  # the photos are named in the licence
    loss = json.loads(result.log.read_text().splitlines()[0])["loss"]
    assert loss["distill"] >= 0 and loss["total"] > 0
    net = SmokeFireNet(2, cfg.width, pretrained=False)
    frozen = _freeze(net, 3, ["heat"])
    assert net.heat not in frozen and net.stem in frozen and net.smooth in frozen
    with pytest.raises(ConfigError, match="train_only"):
        _freeze(net, 3, ["head"])
