"""One training run, as a YAML file (``training/smoke-fire.yaml``)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from firegrid.errors import ConfigError


class DroneSplit(BaseModel):
    """How the drone videos are split by frame number (see :mod:`firegrid.training.drone`)."""

    holdout: float = Field(0.2, gt=0, lt=1)  # last share of each series' frame numbers: validation
    guard: float = Field(0.05, ge=0, lt=1)  # share of the number span before it left out
    min_series: int = Field(10, ge=2)  # smaller series (single photos) train


class DataConfig(BaseModel):
    """Where the frames come from (relative to the shared-data root) and how negatives are picked."""

    hpwren: str = "camera/hpwren_smoke"
    cctv: str = "camera/fire_smoke_cctv"
    drone: str | None = "drone/pileburn_yolo_train"  # YOLO txt, 0 fire, 1 smoke; None: leave out
    drone_split: DroneSplit = Field(default_factory=DroneSplit)
    field: list[str] = Field(default_factory=list)  # folders written by `firegrid model dataset export`
    negatives_margin: int = Field(3, ge=1)  # frames (in sequence order) away from any annotated frame
    negatives_per_epoch: int = Field(400, ge=0)
    hpwren_repeat: int = Field(2, ge=1)  # the distant-smoke positives are the target domain: show them twice
    field_repeat: int = Field(2, ge=1)  # a county's own frames: its target domain
    review: str = "training/review/hpwren-negatives.csv"  # reviewer verdicts that override the rule
    # everyday photos (Debian packages, read in place) as negatives, each shown photos_repeat times an epoch
    # in fresh crops; None: none (training/review/everyday-negatives.csv, firegrid.training.photos)
    photos: str | None = None
    photos_repeat: int = Field(4, ge=1)
    photos_classes: list[str] | None = None  # the classes photos teach (others untouched); None: all
    limit: int | None = None  # cap images per source (CI smoke test)


class AugmentConfig(BaseModel):
    """Photometric and geometric augmentation (probabilities and ranges)."""

    hflip: float = Field(0.5, ge=0, le=1)
    scale_min: float = Field(0.75, gt=0)
    scale_max: float = Field(1.8, gt=0)
    haze: float = Field(0.3, ge=0, le=1)
    haze_max: float = Field(0.35, ge=0, lt=1)
    jitter: float = Field(0.8, ge=0, le=1)
    brightness: float = Field(0.25, ge=0)
    contrast: float = Field(0.25, ge=0)
    saturation: float = Field(0.3, ge=0)
    hue_deg: float = Field(6.0, ge=0)
    blur: float = Field(0.2, ge=0, le=1)


class OptimConfig(BaseModel):
    """Optimiser schedule and budget."""

    epochs: int = Field(14, ge=1)
    batch: int = Field(16, ge=1)
    lr: float = Field(2e-3, gt=0)
    backbone_lr: float = Field(6e-4, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    warmup_steps: int = Field(100, ge=0)
    freeze_blocks: int = Field(3, ge=0)  # stem + this many EfficientNet blocks stay at their ImageNet weights
    freeze_bn: bool = False  # keep every batch-norm's statistics (fine-tuning from exported weights)
    # train only these parts of the network (stem, blocks, lateral, smooth, heat, size, offset); None: all
    # but the frozen blocks. ["heat"] re-learns what is scored without moving the features
    train_only: list[str] | None = None
    # hold the heatmaps to init_from's (learning without forgetting) with this weight, except the classes a
    # frame teaches anew (an everyday photo's data.photos_classes); 0: off
    distill: float = Field(0.0, ge=0)
    threads: int = Field(2, ge=1)
    max_steps: int | None = None  # stop early (CI smoke test)


class TrainConfig(BaseModel):
    """A training run."""

    name: str = "smoke-fire"
    version: str = "1.0.0"
    seed: int = 20261129
    input_size: int = Field(320, ge=64, multiple_of=32)
    classes: list[str] = Field(default_factory=lambda: ["smoke", "fire"])
    width: int = Field(64, ge=8)
    pretrained: bool = True
    init_from: str | None = None  # an exported ONNX model of the same network to fine-tune from
    init_sha256: str | None = None  # ... and its hash (checked)
    data: DataConfig = Field(default_factory=DataConfig)
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    optim: OptimConfig = Field(default_factory=OptimConfig)
    nms_iou: float = Field(0.45, ge=0, le=1)
    # shipped inference: tiles of this many image pixels (the training frames' size, seen at the training
    # scale) plus the whole frame, on frames larger than one tile; 0: whole frames only
    slice_size: int = Field(640, ge=0)
    slice_overlap: float = Field(0.2, ge=0, lt=1)
    max_false_alarm: float = Field(0.05, ge=0, le=1)  # threshold choice: lookout val negatives that page
    # whole-frame thresholds no higher than these, per class (1.2.0: fire 0.30, 1.1.0's: the calibrated 0.34
    # cost CCTV box recall beyond the release rule, everyday photos paged alike at both)
    thresholds_max: dict[str, float] | None = None

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        """Read and validate a run file."""
        try:
            return cls.model_validate(yaml.safe_load(path.read_text()) or {})
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ConfigError(f"{path}: not a valid training config: {exc}") from exc
