"""The training run: seed, data, network, optimiser schedule, per-epoch validation, export, evaluation."""

from __future__ import annotations

import copy
import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from firegrid.detect.objects.boxes import Boxes
from firegrid.detect.objects.letterbox import letterbox
from firegrid.detect.objects.model import ObjectManifest, postprocess
from firegrid.errors import ConfigError
from firegrid.training.batches import class_weights, epoch_plan, make_batch
from firegrid.training.calibrate import calibrate_model
from firegrid.training.config import TrainConfig
from firegrid.training.datasets import Sample, Samples
from firegrid.training.evaluate import score_samples, summary
from firegrid.training.export import export_onnx, manifest, write_manifest
from firegrid.training.images import ImageCache
from firegrid.training.network import ExportWrapper, SmokeFireNet
from firegrid.training.sets import load_samples
from firegrid.training.targets import detection_loss, distill_loss
from firegrid.training.warmstart import load_onnx_weights

log = logging.getLogger(__name__)

VAL_SOURCES = ("hpwren", "cctv", "drone", "field")
EVAL_THRESHOLD = 0.01  # keep nearly every peak when scoring (AP needs the full ranking)


@dataclass
class TrainResult:
    """Where the run put its files."""

    onnx: Path
    manifest: Path
    log: Path
    checkpoint: Path
    thresholds: dict[str, float]


def seed_everything(seed: int, threads: int) -> np.random.Generator:
    """Seed Python, numpy and torch; pin torch's CPU threads."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - libraries that still use the global state
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    return np.random.default_rng(seed)


def torch_predictor(net: SmokeFireNet, m: ObjectManifest) -> Callable[[np.ndarray], Boxes]:
    """A predictor using the torch network with the runtime's letterbox and post-processing."""
    wrapper = ExportWrapper(net).eval()

    def predict(image: np.ndarray) -> Boxes:
        tensor, fit = letterbox(image, m.input.width, m.input.height, m.input.pad_value, rgb=True)
        with torch.no_grad():
            out = wrapper(torch.from_numpy(tensor)).numpy()
        return fit.to_image(postprocess(out, m))

    return predict


def _freeze(net: SmokeFireNet, blocks: int, train_only: list[str] | None = None) -> list[torch.nn.Module]:
    """Stem + ``blocks`` backbone blocks frozen; with ``train_only``, every part not named there too."""
    frozen: list[torch.nn.Module] = [net.stem, *list(net.blocks)[:blocks]] if blocks else []
    if train_only is not None:
        unknown = set(train_only) - {name for name, _ in net.named_children()}
        if unknown:
            raise ConfigError(f"optim.train_only: no network part named {sorted(unknown)}")
        frozen = [module for name, module in net.named_children() if name not in train_only]
    for module in frozen:
        for p in module.parameters():
            p.requires_grad_(False)
    return frozen


def _teacher(net: SmokeFireNet) -> SmokeFireNet:
    """A frozen copy of the network as loaded from ``init_from`` (the model being fine-tuned)."""
    teacher = copy.deepcopy(net).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def _losses(
    net: SmokeFireNet,
    teacher: SmokeFireNet | None,
    batch: list[Sample],
    cache: ImageCache,
    cfg: TrainConfig,
    rng: np.random.Generator,
) -> dict[str, torch.Tensor]:
    """The losses of one batch; with a teacher, every class channel except those a frame teaches anew
    (an everyday photo's) is also held to the teacher's heatmap."""
    images, heat, reg, mask, weight = make_batch(batch, cache, cfg, rng)
    outputs = net(images)
    losses = detection_loss(outputs, heat, reg, mask, weight)
    if teacher is not None:
        with torch.no_grad():
            target = teacher(images)[0]
        ones = np.ones(len(cfg.classes), np.float32)
        held = np.stack([1 - class_weights(s, cfg) if s.source == "photos" else ones for s in batch])
        losses["distill"] = distill_loss(outputs[0], target, torch.from_numpy(held))
        losses["total"] = losses["total"] + cfg.optim.distill * losses["distill"]
    return losses


def _schedule(cfg: TrainConfig, total: int) -> Callable[[int], float]:
    warm = max(1, cfg.optim.warmup_steps)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = min(1.0, (step - warm) / max(1, total - warm))
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def validate(net: SmokeFireNet, cfg: TrainConfig, samples: Samples, cache: ImageCache) -> dict[str, Any]:
    """AP@0.1 and AUC on the validation views (lookout) and CCTV validation frames, with the torch network."""
    m = manifest(cfg, "", dict.fromkeys(cfg.classes, EVAL_THRESHOLD), "")
    predict = torch_predictor(net, m)
    out: dict[str, Any] = {}
    for source in VAL_SOURCES:
        chosen = samples.select("val", source)
        if chosen:
            s = summary(
                score_samples(predict, chosen, cfg.classes, cache), [0.5] * len(cfg.classes), cfg.classes
            )
            out[source] = {k: round(s[k], 4) for k in ("ap10", "ap50", "auc")}
    net.train()
    return out


def train(cfg: TrainConfig, shared: Path, out: Path, run_dir: Path, repo: Path) -> TrainResult:
    """Train, export ``<out>/<name>.onnx`` + manifest, and log to ``<run_dir>/train-log.jsonl``."""
    rng = seed_everything(cfg.seed, cfg.optim.threads)
    run_dir.mkdir(parents=True, exist_ok=True)
    review = repo / cfg.data.review if cfg.data.review else None
    photos = repo / cfg.data.photos if cfg.data.photos else None
    samples = load_samples(shared, cfg.data, review, tuple(cfg.classes), photos)
    if cfg.data.limit:
        samples = _limited(samples, cfg.data.limit)
    train_set = samples.select("train")
    log.info(
        "train: %d positives, %d negatives; val: %d frames",
        sum(s.role == "positive" for s in train_set),
        sum(s.role == "negative" for s in train_set),
        len(samples.select("val")),
    )
    cache = ImageCache()
    net = SmokeFireNet(len(cfg.classes), cfg.width, cfg.pretrained and not cfg.init_from)
    if cfg.init_from:
        load_onnx_weights(net, repo / cfg.init_from, cfg.input_size, cfg.init_sha256)
    teacher = _teacher(net) if cfg.optim.distill > 0 and cfg.init_from else None
    frozen = _freeze(net, cfg.optim.freeze_blocks, cfg.optim.train_only)
    backbone = [p for p in net.backbone_parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": backbone, "lr": cfg.optim.backbone_lr},
            {"params": [p for p in net.head_parameters() if p.requires_grad], "lr": cfg.optim.lr},
        ],
        weight_decay=cfg.optim.weight_decay,
    )
    steps_per_epoch = math.ceil(len(epoch_plan(train_set, cfg, np.random.default_rng(0))) / cfg.optim.batch)
    total = cfg.optim.max_steps or cfg.optim.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, _schedule(cfg, total))
    log_path = run_dir / "train-log.jsonl"
    log_path.write_text("")
    step = 0
    for epoch in range(1, cfg.optim.epochs + 1):
        net.train()
        for module in frozen:
            module.eval()  # frozen batch-norm statistics stay ImageNet's
        if cfg.optim.freeze_bn:
            for module in net.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.eval()
        plan = epoch_plan(train_set, cfg, rng)
        sums: dict[str, float] = {}
        t0 = time.perf_counter()
        bar = tqdm(
            range(0, len(plan), cfg.optim.batch), desc=f"epoch {epoch}/{cfg.optim.epochs}", unit="batch"
        )
        for start in bar:
            losses = _losses(net, teacher, plan[start : start + cfg.optim.batch], cache, cfg, rng)
            optimiser.zero_grad()
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            optimiser.step()
            scheduler.step()
            step += 1
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            bar.set_postfix(loss=f"{float(losses['total'].detach()):.3f}")
            if step >= total:
                break
        n = max(1, math.ceil(len(plan) / cfg.optim.batch))
        record = {
            "epoch": epoch,
            "step": step,
            "seconds": round(time.perf_counter() - t0, 1),
            "lr": scheduler.get_last_lr()[-1],
            "loss": {k: round(v / n, 4) for k, v in sums.items()},
            "val": validate(net, cfg, samples, cache),
        }
        log.info("epoch %d: %s", epoch, json.dumps(record))
        with log_path.open("a") as f:
            f.write(json.dumps(record) + "\n")
        if step >= total:
            break
    checkpoint = run_dir / "last.pt"
    torch.save({"config": cfg.model_dump(), "state_dict": net.state_dict()}, checkpoint)
    return _export(net, cfg, samples, out, log_path, checkpoint)


def _export(
    net: SmokeFireNet,
    cfg: TrainConfig,
    samples: Samples,
    out: Path,
    log_path: Path,
    ckpt: Path,
) -> TrainResult:
    """Export, then choose per-class thresholds on the validation frames through the exported graph."""
    onnx_path = out / f"{cfg.name}.onnx"
    sha = export_onnx(net, cfg.input_size, onnx_path)
    draft = manifest(cfg, sha, dict.fromkeys(cfg.classes, EVAL_THRESHOLD), "draft")
    write_manifest(draft, out)
    description = (
        "EfficientNet-Lite0 (ImageNet) + FPN + CenterNet heads at stride 8, "
        "trained by `firegrid model train`; "
        "tiles of the training frames' size plus the whole frame; thresholds: best box F1 at IoU 0.1 "
        "through that inference on the validation views, paging on at most "
        f"{cfg.max_false_alarm:.0%} of the lookout negatives"
        + (f", capped at {cfg.thresholds_max}" if cfg.thresholds_max else "")
        + ". See docs/models/smoke-fire.md."
    )
    path = write_manifest(manifest(cfg, sha, draft.thresholds, description), out)
    chosen = calibrate_model(out, cfg.name, samples, cfg.max_false_alarm, cfg.thresholds_max)
    log.info("exported %s (sha256 %s), thresholds %s", onnx_path, sha, chosen)
    return TrainResult(onnx_path, path, log_path, ckpt, chosen["thresholds"])


def _limited(samples: Samples, limit: int) -> Samples:
    """At most ``limit`` samples per (source, split, role): the CI smoke test."""
    counts: dict[tuple[str, str, str], int] = {}
    kept = []
    for s in samples.items:
        key = (s.source, s.split, s.role)
        if counts.get(key, 0) < limit:
            counts[key] = counts.get(key, 0) + 1
            kept.append(s)
    return Samples(kept)
