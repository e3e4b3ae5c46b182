"""Optional land-cover raster (e.g. ESA WorldCover) read onto a scene window.

Any single-band GeoTIFF of class codes works; it is reprojected with nearest neighbour
onto each window of the scene grid, so its CRS and resolution do not matter. Codes
outside the raster are 0 ("no land cover"); ``params.LandCoverParams`` says which codes
mean cropland and built-up (WorldCover defaults).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from numpy.typing import NDArray
from rasterio.warp import Resampling, reproject

from firegrid.errors import InputError
from firegrid.imagery.rasters import open_raster
from firegrid.imagery.scene import Scene
from firegrid.imagery.windows import WindowSpec


class LandCover:
    """A class raster opened once; ``read`` gives uint8 codes on a scene window."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stack = ExitStack()
        self._ds: Any = None

    def __enter__(self) -> LandCover:
        self._ds = self._stack.enter_context(open_raster(self.path))
        if self._ds.crs is None:
            self._stack.close()
            raise InputError(f"{self.path}: land-cover raster has no CRS")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def read(self, scene: Scene, spec: WindowSpec) -> NDArray[np.uint8]:
        """Class codes of the window's pixels (nearest neighbour; 0 outside the raster)."""
        out = np.zeros((spec.height, spec.width), dtype=np.uint8)
        transform = scene.transform * Affine.translation(spec.col, spec.row)
        try:
            reproject(
                source=rasterio.band(self._ds, 1),
                destination=out,
                dst_transform=transform,
                dst_crs=scene.crs,
                dst_nodata=0,
                resampling=Resampling.nearest,
            )
        except rasterio.errors.RasterioError as exc:
            raise InputError(f"{self.path}: cannot read land cover onto the scene ({exc})") from exc
        return out
