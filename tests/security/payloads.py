"""Hostile files for the file gate: GDAL VRTs that read other files, network references, archives."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import shapely


def ogr_vrt(target: Path) -> str:
    """An OGR VRT whose one layer is ``target`` read as CSV: each line would come back as a feature."""
    return (
        f"<OGRVRTDataSource><OGRVRTLayer name='leak'><SrcDataSource>CSV:{target}</SrcDataSource>"
        f"<SrcLayer>{target.stem}</SrcLayer></OGRVRTLayer></OGRVRTDataSource>"
    )


def raster_vrt(source: str) -> str:
    """A raster VRT reading ``source`` (a path or a /vsicurl/ URL)."""
    return (
        "<VRTDataset rasterXSize='4' rasterYSize='4'><VRTRasterBand dataType='Byte' band='1'>"
        f"<SimpleSource><SourceFilename relativeToVRT='0'>{source}</SourceFilename><SourceBand>1</SourceBand>"
        "</SimpleSource></VRTRasterBand></VRTDataset>"
    )


def zipped(members: dict[str, bytes | str]) -> bytes:
    """A zip archive of ``members`` (name -> content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def geojson_with_crs_link(url: str) -> str:
    """A valid GeoJSON whose (deprecated) linked CRS makes GDAL fetch ``url``."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "link", "properties": {"href": url, "type": "proj4"}},
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "s1", "name": "site"},
                    "geometry": {"type": "Point", "coordinates": [112.7, 38.4]},
                }
            ],
        }
    )


def gpkg_reading_another_file(path: Path, target: Path) -> None:
    """A GeoPackage whose layer is a view calling GDAL's ``gdal_get_pixel_value`` on ``target``."""
    from pyogrio.raw import write

    geometry = shapely.to_wkb(np.array([shapely.Point(112.7, 38.4)]))
    write(
        str(path),
        geometry,
        [np.array(["a"], dtype=object)],
        ["name"],
        layer="sites",
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:4326",
    )
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE VIEW leak AS SELECT fid, geom, "
            f"gdal_get_pixel_value('{target}', 1, 'pixel', 0, 0) AS name FROM sites"
        )
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('leak', 'features', 'leak', 4326)"
        )
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('leak', 'geom', 'POINT', 4326, 0, 0)")


class Listener:
    """A local HTTP server that records every request it gets (it must get none)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"+proj=longlat +datum=WGS84 +no_defs")

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def listener() -> Iterator[Listener]:
    """A running ``Listener``."""
    found = Listener()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.server.shutdown()
        found.server.server_close()
