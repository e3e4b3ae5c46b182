"""A proxy for "everyday photos" (rooms, streets, people, pets, food, textures): sample photographs that
installed Python packages carry in their wheels, read where they are installed (never copied into the
repository). None of them holds smoke or fire; a box on any of them is a false page.

Install them with ``pip install 'firegrid[everyday]'`` (scikit-image, matplotlib, scikit-learn,
PyWavelets, mahotas); a photo whose package is absent is listed in ``missing`` with the reason. Drawings,
scans of text, microscopy and astronomy images of those packages are not everyday photos and are left
out, and so is scikit-image's ``rocket`` (a launch: a real plume).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from firegrid.cameras.engine import Detector
from firegrid.imagery.decode import read_image

# (package, file inside it, what it shows)
PHOTOS: tuple[tuple[str, str, str], ...] = (
    ("skimage", "data/astronaut.png", "portrait (astronaut, flag)"),
    ("skimage", "data/camera.png", "man with a camera, grass, buildings (grey)"),
    ("skimage", "data/chelsea.png", "cat"),
    ("skimage", "data/coffee.png", "cup of coffee"),
    ("skimage", "data/motorcycle_left.png", "motorcycle in a room (stereo left)"),
    ("skimage", "data/motorcycle_right.png", "motorcycle in a room (stereo right)"),
    ("skimage", "data/brick.png", "brick wall (grey)"),
    ("skimage", "data/grass.png", "grass (grey)"),
    ("skimage", "data/gravel.png", "gravel (grey)"),
    ("skimage", "data/coins.png", "coins (grey)"),
    ("skimage", "data/clock_motion.png", "wall clock, motion blur (grey)"),
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", "portrait in uniform"),
    ("sklearn", "datasets/images/china.jpg", "temple roofs, trees, sky"),
    ("sklearn", "datasets/images/flower.jpg", "flower, green background"),
    ("pywt", "data/aero.npz", "aerial view of a town (grey)"),
    ("pywt", "data/ascent.npz", "people on stairs (grey)"),
    ("mahotas", "demos/data/DepartmentStore.jpg", "department-store interior"),
    ("mahotas", "demos/data/luispedro.jpg", "portrait outdoors"),
)


@dataclass(frozen=True)
class Photo:
    """One bundled photo: where it is and what it shows."""

    name: str
    path: Path
    shows: str

    def image(self) -> NDArray[np.uint8]:
        """The photo as a BGR frame (grey photos as three equal channels)."""
        if self.path.suffix == ".npz":
            with np.load(self.path) as data:
                grey = np.asarray(data[next(iter(data.files))])
            grey = np.clip(grey, 0, 255).astype(np.uint8)
            return np.ascontiguousarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
        return read_image(self.path, str(self.path))


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def everyday_photos() -> tuple[list[Photo], list[str]]:
    """The photos found, and one line per photo that is missing (package not installed, file absent)."""
    found, missing = [], []
    for package, inside, shows in PHOTOS:
        root = _package_dir(package)
        path = None if root is None else root / inside
        if path is None:
            missing.append(f"{package}/{inside}: package {package} is not installed")
        elif not path.is_file():
            missing.append(f"{path}: not in this version of {package}")
        else:
            found.append(Photo(f"{package}/{Path(inside).name}", path, shows))
    return found, missing


def enlarged(image: NDArray[np.uint8], width: int = 1920) -> NDArray[np.uint8]:
    """The photo scaled to ``width`` pixels across (aspect kept), as a 1080p camera frame would hold it."""
    h, w = image.shape[:2]
    size = (width, max(1, round(h * width / w)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_CUBIC), np.uint8)


def everyday_report(model: Detector) -> dict[str, Any]:
    """Photos with any box at the model's shipped inference, at their own size and 1920 px across."""
    photos, missing = everyday_photos()
    paging = [p.name for p in photos if len(model.detect(p.image()))]
    paging_1080 = [p.name for p in photos if len(model.detect(enlarged(p.image())))]
    n = len(photos)
    return {
        "photos": n,
        "missing": missing,
        "paging": paging,
        "paging_1080": paging_1080,
        "page_share": len(paging) / n if n else float("nan"),
        "page_share_1080": len(paging_1080) / n if n else float("nan"),
    }
