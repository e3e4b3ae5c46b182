"""Every training and validation sample of a run: lookout, CCTV, drone and the county's own field sets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from firegrid.errors import InputError
from firegrid.training.config import DataConfig
from firegrid.training.datasets import Sample, Samples, cctv_samples, hpwren_samples
from firegrid.training.drone import drone_samples
from firegrid.training.field import field_samples
from firegrid.training.photos import photo_samples

log = logging.getLogger(__name__)


def _root(shared: Path, name: str) -> Path:
    """A set's folder: absolute, or relative to the shared-data root."""
    path = Path(name)
    return path if path.is_absolute() else shared / path


def load_samples(
    shared: Path,
    data: DataConfig,
    review: Path | None,
    classes: tuple[str, ...] = ("smoke", "fire"),
    photos: Path | None = None,
) -> Samples:
    """Every sample of the configured sets (a missing set is logged, not fatal: a partial data root still
    trains; field exports named in the config must exist). ``photos``: the everyday-photo list, training
    negatives only (:mod:`firegrid.training.photos`)."""
    loaders: list[tuple[str, Callable[[Path], list[Sample]]]] = [
        (data.hpwren, lambda p: hpwren_samples(p, data.negatives_margin, review)),
        (data.cctv, cctv_samples),
    ]
    if data.drone:
        d = data.drone_split
        loaders.append((data.drone, lambda p: drone_samples(p, d.holdout, d.guard, d.min_series)))
    items: list[Sample] = []
    for name, loader in loaders:
        root = _root(shared, name)
        if root.is_dir():
            items.extend(loader(root))
        else:
            log.warning("%s: not found; that set is left out", root)
    for name in data.field:
        root = _root(shared, name)
        if not root.is_dir():
            raise InputError(f"field dataset {root} not found (data.field in the training config)")
        items.extend(field_samples(root, list(classes)))
    if photos is not None:
        items.extend(photo_samples(photos))
    if not items:
        raise InputError(f"{shared}: none of the configured sets found")
    return Samples(items)
