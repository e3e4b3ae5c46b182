"""Raster tiles from a local MBTiles (SQLite, TMS rows) or PMTiles v3 file, for the basemap of intranet
deployments (``FIREGRID_BASEMAP__KIND=mbtiles|pmtiles``); served at ``/tiles/{z}/{x}/{y}``."""

from __future__ import annotations

import gzip
import mmap
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from pmtiles.reader import Reader
from pmtiles.tile import Compression, TileType

from firegrid.errors import ConfigError

MAX_ZOOM = 30  # the deepest zoom a tile file can hold (PMTiles v3); also keeps 2**z small
MEDIA = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
PMTILES_MEDIA = {TileType.PNG: "image/png", TileType.JPEG: "image/jpeg", TileType.WEBP: "image/webp"}


class TileFile:
    """One tile file opened read-only; ``get`` is safe from several threads."""

    def __init__(self, path: Path, kind: str) -> None:
        if not path.is_file():
            raise ConfigError(f"basemap file {path} not found")
        self.path, self.kind = path, kind
        self._local = threading.local()
        self._get: Callable[[int, int, int], bytes | None]
        if kind == "mbtiles":
            self.media_type = self._mbtiles_media()
            self._get = self._mbtiles_tile
        elif kind == "pmtiles":
            self._file = path.open("rb")
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            self._reader = Reader(lambda offset, length: self._map[offset : offset + length])  # type: ignore[no-untyped-call]
            header = self._reader.header()  # type: ignore[no-untyped-call]
            if header["tile_type"] not in PMTILES_MEDIA:
                raise ConfigError(
                    f"{path}: {header['tile_type'].name} tiles; the pages draw raster tiles only"
                )
            self.media_type = PMTILES_MEDIA[header["tile_type"]]
            self._gzip = header["tile_compression"] == Compression.GZIP
            self._get = self._pmtiles_tile
        else:
            raise ConfigError(f"unknown tile file kind {kind!r}")

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (``None`` outside the file's coverage)."""
        if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
            return None
        return self._get(z, x, y)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def _mbtiles_media(self) -> str:
        row = self._db().execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
        fmt = str(row[0]).lower() if row else "png"
        if fmt not in MEDIA:
            raise ConfigError(f"{self.path}: {fmt} tiles; the pages draw raster tiles (png, jpg, webp) only")
        return MEDIA[fmt]

    def _mbtiles_tile(self, z: int, x: int, y: int) -> bytes | None:
        row = (
            self._db()
            .execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),  # MBTiles rows count from the south (TMS)
            )
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def _pmtiles_tile(self, z: int, x: int, y: int) -> bytes | None:
        data = self._reader.get(z, x, y)  # type: ignore[no-untyped-call]
        if not data:
            return None
        return gzip.decompress(data) if self._gzip else bytes(data)


_OPEN: dict[tuple[Path, str], TileFile] = {}
_LOCK = threading.Lock()


def tile_file(path: Path, kind: str) -> TileFile:
    """The opened tile file (one per path and process)."""
    with _LOCK:
        key = (path.resolve(), kind)
        if key not in _OPEN:
            _OPEN[key] = TileFile(path, kind)
        return _OPEN[key]
