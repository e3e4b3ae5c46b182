"""Source definitions (one place: YAML or the API), validated with pydantic: FIRMS, Sentinel Hub,
watch folders, Himawari-9 and geostationary watch folders.

Credentials never live here: a source names the settings group that holds them
(``FIREGRID_FIRMS__MAP_KEY``, ``FIREGRID_SENTINELHUB__CLIENT_SECRET``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, Field, TypeAdapter, field_validator

from firegrid.errors import InputError

FIRMS_AREA_PRODUCTS = (
    "VIIRS_SNPP_NRT",
    "VIIRS_NOAA20_NRT",
    "VIIRS_NOAA21_NRT",
    "MODIS_NRT",
    "VIIRS_SNPP_SP",
    "VIIRS_NOAA20_SP",
    "MODIS_SP",
    "LANDSAT_NRT",
)
# no-key regional files: product -> (folder, file prefix)
FIRMS_FILE_PRODUCTS = {
    "MODIS_NRT": ("modis-c6.1", "MODIS_C6_1"),
    "VIIRS_SNPP_NRT": ("suomi-npp-viirs-c2", "SUOMI_VIIRS_C2"),
    "VIIRS_NOAA20_NRT": ("noaa-20-viirs-c2", "J1_VIIRS_C2"),
    "VIIRS_NOAA21_NRT": ("noaa-21-viirs-c2", "J2_VIIRS_C2"),
}


class SourceBase(BaseModel):
    """What every source has: a name, a cadence, and when silence becomes an alarm."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,62}$")
    enabled: bool = True
    cadence_s: float = Field(900, ge=10)
    silence_after_h: float = Field(24.0, gt=0)  # no new data for this long raises an operator alert
    failures_before_alert: int = Field(3, ge=1)
    timeout_s: float = Field(60.0, gt=0)
    max_attempts: int = Field(4, ge=1)


class FirmsArea(SourceBase):
    """The FIRMS area API (needs a MAP_KEY) over the grid's extent plus a buffer."""

    kind: Literal["firms_area"] = "firms_area"
    products: list[str] = Field(
        default_factory=lambda: ["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT"]
    )
    day_range: int = Field(1, ge=1, le=5)  # FIRMS enforces at most 5
    bbox: tuple[float, float, float, float] | None = None  # default: grid extent + buffer
    buffer_km: float = Field(20.0, ge=0)

    @field_validator("products")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FIRMS_AREA_PRODUCTS))
        if unknown:
            raise ValueError(f"unknown FIRMS products {unknown}; known: {', '.join(FIRMS_AREA_PRODUCTS)}")
        return value


class FirmsFile(SourceBase):
    """The no-key regional NRT files (24h / 48h / 7d)."""

    kind: Literal["firms_file"] = "firms_file"
    products: list[str] = Field(default_factory=lambda: ["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "MODIS_NRT"])
    region: str = "Russia_Asia"
    window: Literal["24h", "48h", "7d"] = "24h"
    bbox: tuple[float, float, float, float] | None = None  # rows outside are dropped; default grid + buffer
    buffer_km: float = Field(20.0, ge=0)

    @field_validator("products")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FIRMS_FILE_PRODUCTS))
        if unknown:
            raise ValueError(f"unknown products {unknown}; known: {', '.join(FIRMS_FILE_PRODUCTS)}")
        return value


class SentinelHubCatalog(SourceBase):
    """New Sentinel-2 / Landsat acquisitions over the grid below a cloud cover: a scene job each."""

    kind: Literal["sentinelhub"] = "sentinelhub"
    collections: list[str] = Field(default_factory=lambda: ["sentinel-2-l1c"])
    max_cloud: float = Field(30.0, ge=0, le=100)
    lookback_days: float = Field(3.0, gt=0)
    bbox: tuple[float, float, float, float] | None = None


class WatchFolder(SourceBase):
    """Files dropped into a folder: fire-point lists are ingested, scene folders scanned."""

    kind: Literal["watch_folder"] = "watch_folder"
    path: Path
    settle_s: float = Field(10.0, ge=0)  # a file must keep its size this long before it is taken
    cadence_s: float = Field(60, ge=1)


AHI_BANDS = tuple(f"B{n:02d}" for n in range(1, 17))


class Himawari(SourceBase):
    """Himawari-9 full-disk slots from an S3-style bucket (default: NOAA's open data, anonymous):
    the segments that cover the area, every 10 minutes, through the geostationary detector."""

    kind: Literal["himawari"] = "himawari"
    base_url: str = "https://noaa-himawari9.s3.amazonaws.com"
    bands: list[str] = Field(default_factory=lambda: ["B04", "B07", "B14", "B15"])
    sub_lon: float = 140.7  # Himawari-9's sub-satellite longitude (which segments cover the area)
    lookback_slots: int = Field(3, ge=1, le=144)  # a scheduled run looks at the newest slots of the bucket
    bbox: tuple[float, float, float, float] | None = (
        None  # default: FIREGRID_GEOSTATIONARY__BBOX or grid + buffer
    )
    keep_files: bool = False  # segments are deleted once their slot is ingested
    cadence_s: float = Field(600, ge=10)
    silence_after_h: float = Field(1.0, gt=0)  # no new slot for an hour: the feed is down

    @field_validator("bands")
    @classmethod
    def _ahi_bands(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(AHI_BANDS))
        if unknown:
            raise ValueError(f"unknown AHI bands {unknown}; known: B01..B16")
        if not {"B07", "B14"} <= set(value):
            raise ValueError("bands must include B07 (3.9 µm) and B14 (11.2 µm)")
        return value


class GeoFolder(SourceBase):
    """Geostationary L1 files dropped into a folder (FY-4B AGRI from CMACast, also AHI HSD / GOES ABI):
    the files of one slot are read together once they have all settled."""

    kind: Literal["geo_folder"] = "geo_folder"
    path: Path
    settle_s: float = Field(30.0, ge=0)
    cadence_s: float = Field(60, ge=1)
    silence_after_h: float = Field(2.0, gt=0)


Config = FirmsArea | FirmsFile | SentinelHubCatalog | WatchFolder | Himawari | GeoFolder
SourceConfig = Annotated[Config, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[Config] = TypeAdapter(SourceConfig)


def parse_source(data: dict[str, object]) -> Config:
    """One validated source definition."""
    return _ADAPTER.validate_python(data)


def load_sources_file(path: Path) -> list[Config]:
    """All sources of a YAML file (``sources: [...]``); errors name the file and the entry."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read sources ({exc})") from exc
    entries = document.get("sources", []) if isinstance(document, dict) else []
    sources = []
    for i, entry in enumerate(entries):
        try:
            sources.append(parse_source(entry))
        except Exception as exc:  # pydantic's ValidationError: report which entry
            raise InputError(f"{path}: source #{i + 1} ({entry.get('name', '?')}): {exc}") from exc
    return sources
