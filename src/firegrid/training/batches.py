"""Epoch plans and augmented batches, from images decoded once and kept in memory."""

from __future__ import annotations

import logging

import numpy as np
import torch
from numpy.typing import NDArray

from firegrid.training.augment import augment
from firegrid.training.config import TrainConfig
from firegrid.training.datasets import Sample
from firegrid.training.images import ImageCache
from firegrid.training.targets import encode

log = logging.getLogger(__name__)


def epoch_plan(train: list[Sample], cfg: TrainConfig, rng: np.random.Generator) -> list[Sample]:
    """One epoch: lookout and field positives (repeated), CCTV and drone frames, every field negative (an
    alarm an inspector rejected), every everyday photo (repeated: fresh crops) and a fresh draw of the other
    negatives; shuffled."""
    positives = [s for s in train if s.role == "positive"]
    hpwren = [s for s in positives if s.source == "hpwren"] * cfg.data.hpwren_repeat
    field = [s for s in train if s.source == "field"] * cfg.data.field_repeat
    others = [s for s in positives if s.source not in ("hpwren", "field")]
    photos = [s for s in train if s.source == "photos"] * cfg.data.photos_repeat
    negatives = [s for s in train if s.role == "negative" and s.source not in ("field", "photos")]
    n_neg = min(len(negatives), cfg.data.negatives_per_epoch)
    drawn = [negatives[i] for i in rng.choice(len(negatives), n_neg, replace=False)] if n_neg else []
    plan = hpwren + field + others + photos + drawn
    return [plan[i] for i in rng.permutation(len(plan))]


def class_weights(sample: Sample, cfg: TrainConfig) -> NDArray[np.float32]:
    """Which class channels a sample teaches (1) or leaves alone (0): everyday photos teach only the classes
    of ``data.photos_classes`` (their look-alikes are flames, not plumes); every other sample teaches all."""
    taught = cfg.data.photos_classes if sample.source == "photos" and cfg.data.photos_classes else cfg.classes
    return np.array([1.0 if c in taught else 0.0 for c in cfg.classes], np.float32)


def make_batch(
    samples: list[Sample], cache: ImageCache, cfg: TrainConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images (B, 3, S, S) in [0, 1] RGB, heatmaps, regression targets, masks and class weights (B, C)."""
    images, heats, regs, masks = [], [], [], []
    for sample in samples:
        image, scale = cache.get(sample.path)
        labels = [cfg.classes.index(name) for name in sample.labels]
        canvas, boxes, kept = augment(image, sample.boxes * scale, labels, cfg.input_size, cfg.augment, rng)
        heat, reg, mask = encode(boxes, kept, len(cfg.classes), cfg.input_size)
        images.append(canvas[:, :, ::-1].transpose(2, 0, 1))
        heats.append(heat)
        regs.append(reg)
        masks.append(mask)
    batch = torch.from_numpy(np.ascontiguousarray(np.stack(images))).float() / 255.0
    weights = [class_weights(s, cfg) for s in samples]
    return batch, *(torch.from_numpy(np.stack(a)) for a in (heats, regs, masks, weights))  # type: ignore[return-value]
