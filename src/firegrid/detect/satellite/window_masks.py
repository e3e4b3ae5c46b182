"""The prefilters over whole windows, in OpenCV: one vectorised pass per operation.

The same tests as ``equations.*_prefilter`` and ``dust.indices.bare_soil_prefilter`` (which
stay the definitions), computed with OpenCV's SIMD kernels: about twice as fast as numpy on
a window, which matters because a prefilter is the one step that touches every pixel. OpenCV
scales in double precision, so a pixel exactly on a prefilter's boundary may fall either way:
harmless, since each prefilter sits well outside the tests it guards (1.39 for 1.4, 0.149 for
0.15, ...); ``tests/detect/test_sparse.py`` checks these masks are supersets of the tests too.
OpenCV's 0/255 masks are turned into numpy booleans in place (numpy finds the True pixels of
a boolean mask several times faster than the nonzero bytes of a uint8 one).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

Band = NDArray[np.float32]
Mask = NDArray[np.bool_]
_cv: Any = cv2  # scalar operands, which the stubs do not know


def hotmap_ratio(b11: Band, b12: Band) -> Mask:
    """B12 >= 1.39 B11 (the selective half of the HOTMAP prefilter)."""
    return _bool(_cv.compare(b12, _cv.multiply(b11, 1.39), cv2.CMP_GE))


def schroeder(b5: Band, b6: Band, b7: Band) -> Mask:
    """R75 > 1.75 (or b5 <= 0), or b6 > 0.79."""
    out = _cv.bitwise_or(
        _cv.compare(b7, _cv.multiply(b5, 1.75), cv2.CMP_GT), _cv.compare(b5, 0.0, cv2.CMP_LE)
    )
    return _bool(_cv.bitwise_or(out, _cv.compare(b6, 0.79, cv2.CMP_GT)))


def goli(b4: Band, b6: Band, b7: Band) -> Mask:
    """b4 <= 0.531 b7 - 0.12, or b6 <= 1.081 b7 - 0.045."""
    eq12_14 = _cv.compare(b4, _cv.addWeighted(b7, 0.531, b7, 0.0, -0.12), cv2.CMP_LE)
    eq15 = _cv.compare(b6, _cv.addWeighted(b7, 1.081, b7, 0.0, -0.045), cv2.CMP_LE)
    return _bool(_cv.bitwise_or(eq12_14, eq15))


def bare_soil(blue: Band, red: Band, nir: Band, swir1: Band, k: float) -> Mask:
    """S1 + R > k (N + B)."""
    dark = _cv.add(nir, blue)
    return _bool(_cv.compare(_cv.add(swir1, red), _cv.multiply(dark, k) if k != 1.0 else dark, cv2.CMP_GT))


def _bool(mask: Any) -> Mask:
    """0/255 -> False/True, in place."""
    out = np.asarray(mask, np.uint8)
    np.bitwise_and(out, 1, out=out)
    result: Mask = out.view(np.bool_)
    return result
