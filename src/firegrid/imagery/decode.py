"""Decode untrusted JPEG/PNG/TIFF frames safely: the pixel count is read from the header and checked first.

A 15 MB PNG can declare gigapixels (a decompression bomb); OpenCV would allocate it before anyone looked.
Every image that arrives from outside (camera snapshots, uploaded or listed files, evidence photos, drone
frames) goes through :func:`read_image` or :func:`check_header`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from firegrid.errors import InputError

MAX_IMAGE_PIXELS = 120_000_000  # a 48 MP drone frame fits twice; no camera frame comes close


def check_header(source: Path | bytes, what: str, limit: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """Width and height from the header, or ``InputError`` naming ``what`` (unreadable or too many pixels)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{what}: refused, too many pixels ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{what}: not a readable image ({exc})") from exc
    if width * height > limit:
        raise InputError(f"{what}: {width}x{height} px exceeds the {limit} pixel limit (decompression bomb?)")
    return width, height


def read_image(source: Path | bytes, what: str, limit: int = MAX_IMAGE_PIXELS) -> NDArray[np.uint8]:
    """A BGR uint8 image, decoded only after its header passed :func:`check_header`."""
    check_header(source, what, limit)
    if isinstance(source, bytes):
        image = cv2.imdecode(np.frombuffer(source, np.uint8), cv2.IMREAD_COLOR)
    else:
        image = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"{what}: not a readable image (truncated or corrupt data)")
    return np.asarray(image, np.uint8)
