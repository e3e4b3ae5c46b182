"""Sentinel Hub: find acquisitions (Catalog API) and download reflectance bands (Process API).

Uses the ``sentinelhub`` package. Collections are re-defined with the configured
``base_url`` as their service URL, so the same code talks to Sentinel Hub, the
Copernicus Data Space Ecosystem or a local test server. A download becomes a band folder
(one float32 GeoTIFF per band plus ``scene.json``) that ``open_scene`` reads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

from firegrid.config import SentinelHubSettings
from firegrid.errors import ConfigError, InputError, SourceUnavailableError

log = logging.getLogger(__name__)

MAX_REQUEST_PX = 2500  # Process API limit per side

COLLECTIONS: dict[str, tuple[str, list[str], str, float]] = {
    # name: (sentinelhub DataCollection attribute, bands, sensor, default resolution m)
    "sentinel-2-l1c": ("SENTINEL2_L1C", ["B04", "B8A", "B11", "B12"], "sentinel2", 20.0),
    "sentinel-2-l2a": ("SENTINEL2_L2A", ["B04", "B8A", "B11", "B12"], "sentinel2", 20.0),
    "landsat-ot-l1": ("LANDSAT_OT_L1", ["B01", "B02", "B03", "B04", "B05", "B06", "B07"], "landsat", 30.0),
}


def evalscript(bands: list[str]) -> str:
    """Reflectance of ``bands`` as FLOAT32, NaN where there is no data."""
    names = ", ".join(f'"{b}"' for b in [*bands, "dataMask"])
    values = ", ".join(f"s.dataMask ? s.{b} : NaN" for b in bands)
    return (
        "//VERSION=3\n"
        f'function setup() {{ return {{ input: [{{ bands: [{names}], units: "REFLECTANCE" }}],'
        f' output: {{ bands: {len(bands)}, sampleType: "FLOAT32" }} }}; }}\n'
        f"function evaluatePixel(s) {{ return [{values}]; }}\n"
    )


@dataclass(frozen=True)
class Acquisition:
    """One catalog hit."""

    id: str
    collection: str
    datetime: datetime
    cloud_cover: float | None


class SentinelHubSource:
    """Catalog search and band download through the real ``sentinelhub`` client."""

    def __init__(self, settings: SentinelHubSettings) -> None:
        if not settings.client_id or settings.client_secret is None:
            raise ConfigError("set FIREGRID_SENTINELHUB__CLIENT_ID and FIREGRID_SENTINELHUB__CLIENT_SECRET")
        from sentinelhub import SHConfig

        self.settings = settings
        self.config = SHConfig(
            sh_client_id=settings.client_id,
            sh_client_secret=settings.client_secret.get_secret_value(),
            sh_base_url=settings.base_url,
            sh_token_url=settings.token_url,
            max_download_attempts=settings.max_attempts,
            download_sleep_time=settings.sleep_s,
            use_defaults=True,
        )

    def collection(self, name: str) -> Any:
        """The DataCollection bound to the configured service URL."""
        from sentinelhub import DataCollection

        if name not in COLLECTIONS:
            raise InputError(f"unknown collection {name!r}; known: {', '.join(COLLECTIONS)}")
        base = getattr(DataCollection, COLLECTIONS[name][0])
        url_key = hashlib.sha1(self.settings.base_url.encode()).hexdigest()[:10]  # one definition per URL
        local = f"{COLLECTIONS[name][0].lower()}_{url_key}"
        if local in DataCollection.__members__:
            return DataCollection[local]
        return base.define_from(local, service_url=self.settings.base_url)

    def search(
        self,
        collection: str,
        bbox: tuple[float, float, float, float],
        start: datetime,
        end: datetime,
        max_cloud: float = 30.0,
    ) -> list[Acquisition]:
        """Acquisitions over a WGS84 bbox in a time range with cloud cover below ``max_cloud`` %."""
        from sentinelhub import CRS, BBox, SentinelHubCatalog

        catalog = SentinelHubCatalog(config=self.config)
        try:
            hits = list(
                catalog.search(
                    self.collection(collection),
                    bbox=BBox(bbox, crs=CRS.WGS84),
                    time=(start, end),
                    filter=f"eo:cloud_cover < {max_cloud}",
                    fields={
                        "include": ["id", "properties.datetime", "properties.eo:cloud_cover"],
                        "exclude": [],
                    },
                )
            )
        except Exception as exc:
            raise SourceUnavailableError(f"Sentinel Hub catalog search failed: {exc}") from exc
        return [
            Acquisition(
                h["id"],
                collection,
                datetime.fromisoformat(h["properties"]["datetime"].replace("Z", "+00:00")),
                h["properties"].get("eo:cloud_cover"),
            )
            for h in hits
        ]

    def download(
        self,
        acquisition: Acquisition,
        bbox: tuple[float, float, float, float],
        out: Path,
        resolution: float | None = None,
    ) -> Path:
        """The bands over a WGS84 bbox on a UTM grid, tiled below the Process API size limit."""
        _, bands, sensor, default_res = COLLECTIONS[acquisition.collection]
        res = resolution or default_res
        grid = UtmGrid.around(bbox, res)
        out.mkdir(parents=True, exist_ok=True)
        profile = {
            "driver": "GTiff",
            "width": grid.width,
            "height": grid.height,
            "count": 1,
            "dtype": "float32",
            "crs": grid.crs,
            "transform": grid.transform,
            "nodata": float("nan"),
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "deflate",
        }
        paths = {b: out / f"{b}.tif" for b in bands}
        progress_file = out / "progress.json"
        done: set[int] = set(json.loads(progress_file.read_text())) if progress_file.is_file() else set()
        resume = bool(done) and all(p.is_file() for p in paths.values())
        if not resume:
            done = set()
        datasets = [
            rasterio.open(paths[b], "r+") if resume else rasterio.open(paths[b], "w", **profile)
            for b in bands
        ]
        try:
            for index, window in enumerate(grid.tiles(MAX_REQUEST_PX)):
                if index in done:
                    continue  # resumed: this tile arrived before the interruption
                data = self._request(acquisition, grid, window, bands)
                for i, ds in enumerate(datasets):
                    ds.write(data[:, :, i].astype(np.float32), 1, window=window)
                done.add(index)
                progress_file.write_text(json.dumps(sorted(done)))
        finally:
            for ds in datasets:
                ds.close()
        sidecar = {
            "scene_id": acquisition.id,
            "sensor": sensor,
            "platform": _platform(acquisition),
            "acquired_at": acquisition.datetime.isoformat(),
            "reflectance": "corrected",
            "source": f"sentinelhub:{acquisition.collection}",
        }
        (out / "scene.json").write_text(json.dumps(sidecar, indent=1))
        progress_file.unlink(missing_ok=True)
        return out

    def _request(
        self, acquisition: Acquisition, grid: UtmGrid, window: Window, bands: list[str]
    ) -> np.ndarray:
        from sentinelhub import CRS, BBox, MimeType, SentinelHubRequest

        request = SentinelHubRequest(
            evalscript=evalscript(bands),
            input_data=[
                SentinelHubRequest.input_data(
                    self.collection(acquisition.collection),
                    time_interval=(acquisition.datetime, acquisition.datetime),
                )
            ],
            responses=[SentinelHubRequest.output_response("default", MimeType.TIFF)],
            bbox=BBox(grid.bounds(window), crs=CRS(grid.crs.split(":")[1])),
            size=(int(window.width), int(window.height)),
            config=self.config,
        )
        try:
            data = request.get_data(max_threads=1)[0]
        except Exception as exc:
            raise SourceUnavailableError(f"Sentinel Hub download of {acquisition.id} failed: {exc}") from exc
        data = np.asarray(data)
        if data.ndim == 2:
            data = data[:, :, None]
        if data.shape[:2] != (window.height, window.width) or data.shape[2] != len(bands):
            raise SourceUnavailableError(
                f"Sentinel Hub returned {data.shape} for {acquisition.id}, expected "
                f"({window.height}, {window.width}, {len(bands)})"
            )
        return data


def _platform(acquisition: Acquisition) -> str:
    ident = acquisition.id.upper()
    for prefix, name in (
        ("S2A", "Sentinel-2A"),
        ("S2B", "Sentinel-2B"),
        ("S2C", "Sentinel-2C"),
        ("LC08", "Landsat-8"),
        ("LC09", "Landsat-9"),
    ):
        if ident.startswith(prefix):
            return name
    return "Sentinel-2" if acquisition.collection.startswith("sentinel") else "Landsat"


@dataclass(frozen=True)
class UtmGrid:
    """A north-up UTM grid covering a WGS84 bbox at ``resolution`` metres."""

    crs: str
    x0: float
    y0: float
    resolution: float
    width: int
    height: int

    @classmethod
    def around(cls, bbox: tuple[float, float, float, float], resolution: float) -> UtmGrid:
        """The UTM zone of the bbox centre, snapped outward to the resolution."""
        lon0, lat0, lon1, lat1 = bbox
        zone = int((lon0 + lon1) / 2 // 6 + 31)
        epsg = (32600 if (lat0 + lat1) / 2 >= 0 else 32700) + zone
        to_utm = Transformer.from_crs(4326, epsg, always_xy=True)
        xs, ys = to_utm.transform([lon0, lon0, lon1, lon1], [lat0, lat1, lat0, lat1])
        x0 = math.floor(min(xs) / resolution) * resolution
        y1 = math.ceil(max(ys) / resolution) * resolution
        width = math.ceil((max(xs) - x0) / resolution)
        height = math.ceil((y1 - min(ys)) / resolution)
        return cls(f"EPSG:{epsg}", x0, y1, resolution, width, height)

    @property
    def transform(self) -> Any:
        """The affine transform of the grid."""
        return from_origin(self.x0, self.y0, self.resolution, self.resolution)

    def tiles(self, size: int) -> list[Window]:
        """Windows of at most ``size`` pixels per side."""
        return [
            Window(c, r, min(size, self.width - c), min(size, self.height - r))
            for r in range(0, self.height, size)
            for c in range(0, self.width, size)
        ]

    def bounds(self, window: Window) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of a window in the grid CRS."""
        x0 = self.x0 + window.col_off * self.resolution
        y1 = self.y0 - window.row_off * self.resolution
        return (x0, y1 - window.height * self.resolution, x0 + window.width * self.resolution, y1)
