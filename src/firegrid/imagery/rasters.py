"""Open rasters with errors that name the file, through the file gate (``firegrid.files``)."""

from __future__ import annotations

from firegrid.files.gate import MAX_RASTER_PIXELS, open_raster

__all__ = ["MAX_RASTER_PIXELS", "open_raster"]
