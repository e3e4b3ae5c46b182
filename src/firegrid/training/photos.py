"""Everyday photos as training negatives: rooms, people, fruit, flowers, tail lights, sunsets, autumn leaves.

The `fire` head of a model trained only on lookout, CCTV and drone frames learns "warm, bright, saturated"
and boxes flowers, lit shop interiors, coffee and faces in everyday photos. These photos teach it what is
not fire. They come from Debian packages (``opencv-doc``'s sample data, the ``plasma-workspace-wallpapers``,
``mate-backgrounds`` and ``ukui-wallpapers`` photos; ``scripts/install_training_photos.sh`` installs them)
and are read where the packages put them, never copied. The list (``training/review/everyday-negatives.csv``:
path, package, what it shows) is reviewed by hand: drawings, logos, text and checkerboards are left out.

None of these is in the everyday-photo *evaluation* proxy (:mod:`firegrid.training.everyday`, photos of
Python wheels): the two sets share no file and no package.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from firegrid.errors import InputError
from firegrid.training.datasets import Sample

log = logging.getLogger(__name__)

COLUMNS = ("path", "package", "shows")


def photo_samples(listing: Path) -> list[Sample]:
    """One training negative per listed photo that is installed; missing packages are named in the log."""
    try:
        with listing.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise InputError(f"{listing}: the everyday-photo list is not readable: {exc}") from exc
    if rows and not set(COLUMNS) <= set(rows[0]):
        raise InputError(f"{listing}: expected the columns {', '.join(COLUMNS)}")
    out, missing = [], set()
    for row in rows:
        path = Path(row["path"])
        if path.is_file():
            out.append(Sample(path, "photos", "train", "negative", group=row["package"]))
        else:
            missing.add(row["package"])
    if missing:
        log.warning(
            "%s: photos of %s not installed (scripts/install_training_photos.sh); they are left out",
            listing,
            ", ".join(sorted(missing)),
        )
    return out
