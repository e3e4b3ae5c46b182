"""Which format a file's bytes are, whatever its name says.

A GDAL VRT renamed ``sites.geojson`` is still XML; a GeoPackage whose application id is not GPKG
would be opened by the SQLite driver; a ``.tif`` whose first kilobyte mentions ``<VRTDataset`` is
claimed by the VRT driver. So the gate reads the first bytes, refuses markup that GDAL would follow
(VRT, GDALG pipelines, WMS/WFS service descriptions) and requires the magic of the format the
suffix promises.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from firegrid.errors import UnsafeFileError
from firegrid.files.hdf5 import refuse_outside_references

HEAD_BYTES = 64 * 1024

# markup that makes GDAL open other files or URLs (case-insensitive, anywhere in the head)
FOLLOWING_MARKUP = (
    b"<vrtdataset",
    b"<ogrvrtdatasource",
    b"gdal_streamed_alg",
    b"<gdal_wms",
    b"<gdal_wcs",
    b"<wfs_getcapabilities",
    b"<ogrwfsdatasource",
    b"<wmts_",
    b"<gdal_wmts",
    b"<pamdataset",
)
_BOM = b"\xef\xbb\xbf"
_TIFF = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF, both byte orders
_JP2 = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")  # JP2 box, raw codestream


def _text_start(head: bytes) -> bytes:
    return head.removeprefix(_BOM).lstrip()[:1]


def _is_json(head: bytes) -> bool:
    return _text_start(head) == b"{"


def _is_text_table(head: bytes) -> bool:
    return b"\x00" not in head and _text_start(head) not in (b"<", b"{", b"[")


def _is_gpkg(head: bytes) -> bool:
    # the SQLite header's application id (offset 68) says GeoPackage; anything else is plain SQLite
    return head.startswith(b"SQLite format 3\x00") and head[68:72] in (b"GPKG", b"GP10", b"GP11")


@dataclass(frozen=True)
class FileFormat:
    """A format the gate can let through: its GDAL driver, file suffixes and magic test."""

    driver: str
    suffixes: tuple[str, ...]
    matches: Callable[[bytes], bool]
    label: str


FORMATS: dict[str, FileFormat] = {
    f.driver: f
    for f in (
        FileFormat("GeoJSON", (".geojson", ".json"), _is_json, "GeoJSON"),
        FileFormat("ESRI Shapefile", (".shp",), lambda h: h[:4] == b"\x00\x00\x27\x0a", "Shapefile"),
        FileFormat("GPKG", (".gpkg",), _is_gpkg, "GeoPackage"),
        FileFormat("CSV", (".csv",), _is_text_table, "CSV"),
        FileFormat("XLSX", (".xlsx",), lambda h: h[:4] == b"PK\x03\x04", "XLSX"),
        FileFormat("GTiff", (".tif", ".tiff"), lambda h: h[:4] in _TIFF, "GeoTIFF"),
        FileFormat("JP2OpenJPEG", (".jp2", ".j2k"), lambda h: h.startswith(_JP2), "JPEG 2000"),
    )
}
_LOOKS_LIKE = (
    (lambda h: _text_start(h) == b"<", "XML (a GDAL VRT, KML or GML?)"),
    (lambda h: h.startswith(b"\x89HDF") or h.startswith(b"CDF"), "netCDF/HDF5"),
    (lambda h: h.startswith(b"SQLite format 3\x00"), "a SQLite database that is not a GeoPackage"),
    (lambda h: h[:4] == b"PK\x03\x04", "a zip archive"),
    (lambda h: h[:4] in _TIFF, "TIFF"),
    (_is_json, "JSON"),
)


def looks_like(head: bytes) -> str:
    """A short description of what the bytes are (for error messages; never the bytes themselves)."""
    for test, label in _LOOKS_LIKE:
        if test(head):
            return label
    return "text" if b"\x00" not in head[:4096] else "binary data"


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file."""
    with path.open("rb") as handle:
        return handle.read(size)


def refuse_markup(head: bytes, what: str) -> None:
    """``UnsafeFileError`` when the bytes carry markup that makes GDAL open other files or URLs."""
    lowered = head.lower()
    found = next((m for m in FOLLOWING_MARKUP if m in lowered), None)
    if found is not None:
        raise UnsafeFileError(
            f"{what}: refused, the file carries GDAL {found.decode().lstrip('<')} markup "
            "(it would make the server open other files or URLs)"
        )


def check_format(path: Path, drivers: Collection[str], what: str | None = None) -> str:
    """The GDAL driver for ``path`` if its suffix and its bytes are one of ``drivers``; else
    ``UnsafeFileError`` naming the file and what it is."""
    what = what or path.name
    if not path.is_file():
        raise UnsafeFileError(f"{what}: not a regular file")
    allowed = [FORMATS[d] for d in drivers if d in FORMATS]
    fmt = next((f for f in allowed if path.suffix.lower() in f.suffixes), None)
    if fmt is None:
        names = ", ".join(sorted({s for f in allowed for s in f.suffixes}))
        raise UnsafeFileError(f"{what}: {path.suffix or 'no suffix'} is not accepted here; use {names}")
    head = read_head(path)
    refuse_markup(head, what)
    if not fmt.matches(head):
        raise UnsafeFileError(f"{what}: named {fmt.label} but its content is {looks_like(head)}; refused")
    return fmt.driver


_HDF5 = b"\x89HDF\r\n\x1a\n"
# geostationary L1 files (read by satpy, not GDAL): the suffix and the magic each published format has
GEO_MAGIC = {
    ".nc": (_HDF5, b"CDF\x01", b"CDF\x02"),  # GOES ABI L1b: netCDF-4 (HDF5) or classic
    ".hdf": (_HDF5,),  # FY-4B AGRI L1
    ".dat": (b"\x01\x1a\x01",),  # Himawari HSD: header block 1, 282 bytes long
    ".bz2": (b"BZh",),  # Himawari HSD, bzip2-compressed
}


def check_geo_file(path: Path, what: str | None = None) -> None:
    """A geostationary L1 file must be a regular file whose bytes are its suffix's format."""
    what = what or path.name
    if not path.is_file():
        raise UnsafeFileError(f"{what}: not a regular file")
    magic = GEO_MAGIC.get(path.suffix.lower())
    if magic is None:
        raise UnsafeFileError(f"{what}: {path.suffix or 'no suffix'} is not a geostationary L1 file")
    head = read_head(path, 4096)
    refuse_markup(head, what)
    if not head.startswith(magic):
        raise UnsafeFileError(
            f"{what}: its content is {looks_like(head)}, not {path.suffix} L1 data; refused"
        )
    if head.startswith(_HDF5):
        refuse_outside_references(path, what)
