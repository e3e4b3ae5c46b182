"""Shared value types: source kinds, CRS-carrying geometries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WGS84 = "EPSG:4326"


class SourceKind(StrEnum):
    """Where a detection came from."""

    SATELLITE_PRODUCT = "satellite_product"  # FIRMS, CSPP, MEE bulletins: points made by others
    SATELLITE_SCENE = "satellite_scene"  # firegrid's own detectors on Landsat / Sentinel-2
    CAMERA = "camera"
    DRONE = "drone"
    MANUAL = "manual"
    REGISTRY = "registry"  # rule checks on registries (a construction site without an online camera)
    SATELLITE_GEO = "satellite_geo"  # firegrid's own detector on geostationary slots (Himawari, FY-4B, GOES)


class Hazard(StrEnum):
    """What a detection, incident and task are about."""

    FIRE = "fire"  # straw burning and other open fires
    DUST = "dust"  # bare soil, stockpiles, dust plumes (the "five dusts")
    SITE_COMPLIANCE = "site_compliance"  # a construction site breaking the video / monitor rule


class DetectionStatus(StrEnum):
    """What the pipeline did with a detection."""

    ROUTED = "routed"  # inside (or near) a grid cell, joins an incident
    SUPPRESSED = "suppressed"  # inside an industrial heat source or no-alert zone: kept, never paged
    UNROUTED = "unrouted"  # outside the grid and its buffer: listed for the county


@dataclass(frozen=True)
class BBox:
    """A bounding box that knows its CRS: (min_x, min_y, max_x, max_y)."""

    bounds: tuple[float, float, float, float]
    crs: str = WGS84

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = self.bounds
        if x0 > x1 or y0 > y1:
            raise ValueError(f"bbox min must not exceed max: {self.bounds}")
