"""The pages' basemap: one settings group (``FIREGRID_BASEMAP__*``) that the pages, the tile route and the
Content-Security-Policy read.

* ``none`` (default, safe): the grid polygons make the map; nothing is loaded from anywhere;
* ``tianditu``: 天地图 (CGCS2000, which equals WGS84 at map scale: no shift), key in ``TIANDITU_KEY``;
* ``xyz`` / ``wmts``: any URL template with ``{z}``, ``{x}``, ``{y}`` (and ``{s}`` subdomains), e.g. a
  WMTS GetTile URL of a GoogleMapsCompatible (EPSG:3857) tile matrix set;
* ``mbtiles`` / ``pmtiles``: a local raster file served by firegrid at ``/tiles/{z}/{x}/{y}`` (intranets).

Chinese commercial tiles (AMap/Gaode, Tencent: GCJ-02; Baidu: BD-09 and its own tiling) are shifted by
hundreds of metres against WGS84 points and polygons: firegrid warns at startup unless ``TRANSFORMED``
says the tiles were re-projected to WGS84.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_LABELS = {"vec": "cva", "img": "cia", "ter": "cta"}  # the annotation layer of each base layer
GCJ02_HOSTS = ("amap.com", "autonavi.com", "gaode.com", "baidu.com", "bdimg.com", "bdstatic.com", "qq.com")
LOCAL_TILES = "/tiles/{z}/{x}/{y}"


class BasemapSettings(BaseModel):
    """Where the map pages take their background tiles from (none by default)."""

    kind: Literal["none", "tianditu", "xyz", "wmts", "mbtiles", "pmtiles"] = "none"
    url: str | None = None  # xyz / wmts: a template with {z} {x} {y} (and {s})
    subdomains: str = ""  # letters/digits {s} takes, e.g. "abc"
    tianditu_key: SecretStr | None = (
        None  # 天地图 browser key (tk); it reaches every browser that shows the map
    )
    tianditu_layer: Literal["vec", "img", "ter"] = "vec"  # 矢量 / 影像 / 地形
    labels: bool = True  # tianditu: add the annotation (place names) layer
    file: Path | None = None  # mbtiles / pmtiles: a raster tile file
    attribution: str | None = None  # shown on the map (e.g. the 审图号 of the tiles)
    min_zoom: int = Field(0, ge=0, le=24)
    max_zoom: int = Field(18, ge=0, le=24)
    transformed: bool = False  # the tiles were re-projected to WGS84 (silences the GCJ-02 warning)

    def templates(self) -> list[str]:
        """The tile URL templates the pages load, bottom layer first (empty: no basemap)."""
        if self.kind == "tianditu" and self.tianditu_key is not None:
            key = self.tianditu_key.get_secret_value()
            layers = [self.tianditu_layer] + ([TIANDITU_LABELS[self.tianditu_layer]] * self.labels)
            return [TIANDITU.replace("{layer}", layer).replace("{key}", key) for layer in layers]
        if self.kind in ("xyz", "wmts") and self.url:
            return [self.url]
        if self.kind in ("mbtiles", "pmtiles") and self.file is not None:
            return [LOCAL_TILES]
        return []

    def _subdomains(self) -> str:
        return "01234567" if self.kind == "tianditu" else self.subdomains

    def client_config(self) -> dict[str, Any]:
        """What ``GET /basemap.json`` tells the pages (Leaflet tile-layer options)."""
        attribution = self.attribution or ("天地图" if self.kind == "tianditu" else "")
        return {
            "kind": self.kind if self.templates() else "none",
            "layers": [
                {
                    "url": url,
                    "subdomains": self._subdomains(),
                    "attribution": attribution if i == 0 else "",
                    "minZoom": self.min_zoom,
                    "maxZoom": self.max_zoom,
                }
                for i, url in enumerate(self.templates())
            ],
        }

    def origins(self) -> list[str]:
        """The outside origins the pages load tiles from: what a Content-Security-Policy ``img-src``
        must allow (empty for none and for local files, which are same-origin)."""
        found: dict[str, None] = {}
        for template in self.templates():
            if template.startswith("/"):
                continue
            parts = urlsplit(template)
            hosts = (
                [parts.netloc.replace("{s}", s) for s in self._subdomains()]
                if "{s}" in parts.netloc
                else [parts.netloc]
            )
            for host in hosts:
                found[f"{parts.scheme}://{host}"] = None
        return list(found)

    def warnings(self) -> list[str]:
        """Problems to log at startup (a GCJ-02 source, a missing key or file)."""
        out = []
        if self.kind == "tianditu" and self.tianditu_key is None:
            out.append("basemap tianditu needs FIREGRID_BASEMAP__TIANDITU_KEY; no basemap is shown")
        if self.kind in ("xyz", "wmts") and not self.url:
            out.append(f"basemap {self.kind} needs FIREGRID_BASEMAP__URL; no basemap is shown")
        if self.kind in ("mbtiles", "pmtiles") and (self.file is None or not self.file.is_file()):
            out.append(f"basemap {self.kind}: FIREGRID_BASEMAP__FILE {self.file} is not a file")
        gcj = [h for h in (urlsplit(t).netloc.lower() for t in self.templates()) if h.endswith(GCJ02_HOSTS)]
        if gcj and not self.transformed:
            out.append(
                f"basemap {gcj[0]} serves GCJ-02 (AMap/Tencent) or BD-09 (Baidu) tiles: WGS84 points and "
                "grid polygons will appear hundreds of metres off. Use Tianditu or WGS84 tiles, or set "
                "FIREGRID_BASEMAP__TRANSFORMED=true for tiles re-projected to WGS84"
            )
        return out
