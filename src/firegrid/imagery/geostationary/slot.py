"""``GeoSlot``: one geostationary time slot over the area of interest, on the native grid.

Arrays are 2-D (rows, cols) on the imager's fixed grid cropped to the area; brightness
temperatures in kelvin, reflectances as fractions (0-1), angles in degrees, areas in km².
Bands the files do not hold are None (the detector says which tests it could not run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float32]
Coords = NDArray[np.float64]


@dataclass
class GeoSlot:
    """One slot: what the detector needs, and where every pixel is on the ground."""

    platform: str  # "Himawari-9", "FY-4B", "GOES-17"
    sensor: str  # "AHI", "AGRI", "ABI"
    start_time: datetime  # nominal start of the scan (UTC, aware)
    grid_key: str  # identifies the cropped native grid: the temporal background is kept per grid
    mir: Array  # ~3.9 µm brightness temperature (K)
    tir: Array  # ~11 µm brightness temperature (K)
    lon: Coords
    lat: Coords
    sza: Array  # solar zenith angle
    vza: Array  # viewing (satellite) zenith angle
    glint: Array  # sun-glint angle: between the view and the specular reflection of the sun
    pixel_area_km2: Array
    scan_m: Array  # east-west extent of the pixel footprint
    track_m: Array  # north-south extent of the pixel footprint
    mir_wavelength_um: float  # central wavelength of the MIR band (FRP, radiances)
    tir12: Array | None = None  # ~12 µm brightness temperature (cloud test)
    red: Array | None = None  # ~0.64 µm reflectance
    nir: Array | None = None  # ~0.86 µm reflectance
    reader: str = ""
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the cropped grid."""
        return (int(self.mir.shape[0]), int(self.mir.shape[1]))

    def __post_init__(self) -> None:
        for name in ("tir", "lon", "lat", "sza", "vza", "glint", "pixel_area_km2", "scan_m", "track_m"):
            if getattr(self, name).shape != self.mir.shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {self.mir.shape}")
        for name in ("tir12", "red", "nir"):
            value = getattr(self, name)
            if value is not None and value.shape != self.mir.shape:
                raise ValueError(f"{name} has shape {value.shape}, expected {self.mir.shape}")
