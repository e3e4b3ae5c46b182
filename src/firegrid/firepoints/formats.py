"""Recognise a fire-point file and parse it with the right reader."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from firegrid.errors import UnsupportedFormatError
from firegrid.files.sniff import read_head, refuse_markup
from firegrid.firepoints import bulletin, cspp, firms, jaxa_wlf
from firegrid.firepoints.fields import read_text
from firegrid.firepoints.result import ParseResult

Reader = Callable[[Path, str | None], ParseResult]

FORMATS: dict[str, Reader] = {
    "firms-csv": firms.read_csv,
    "firms-json": firms.read_json,
    "cspp": cspp.read_cspp,
    "jaxa-wlf": jaxa_wlf.read_wlf,
    "bulletin": bulletin.read_bulletin,
}


def detect_format(path: Path) -> str:
    """The format name of a fire-point file, or ``UnsupportedFormatError`` naming it."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        if not zipfile.is_zipfile(path):
            raise UnsupportedFormatError(f"{path.name}: not a valid XLSX file")
        return "bulletin"
    if suffix in {".json", ".geojson"}:
        return "firms-json"
    head = read_text(path)[:4096]
    if cspp.looks_like_cspp(path, head):
        return "cspp"
    if jaxa_wlf.looks_like_wlf(path, head):
        return "jaxa-wlf"
    try:
        first_line = next(csv.reader(io.StringIO(head)), [])
        rows = list(csv.reader(io.StringIO(head)))[:20]
    except csv.Error as exc:
        raise UnsupportedFormatError(f"{path.name}: not a readable CSV ({exc})") from None
    if firms.looks_like_firms(first_line):
        return "firms-csv"
    if any(bulletin.is_bulletin_header(r) for r in rows):
        return "bulletin"
    raise UnsupportedFormatError(
        f"{path.name}: not a FIRMS CSV/JSON, CSPP EDR text, JAXA Himawari WLF or bulletin table "
        "(no latitude/longitude columns found)"
    )


def read_fire_points(
    path: Path, name: str | None = None, fmt: str | None = None, bulletin_tz: str = "Asia/Shanghai"
) -> ParseResult:
    """Parse any supported fire-point file; ``name`` is what provenance records."""
    if not path.is_file():
        raise UnsupportedFormatError(f"{path}: no such file")
    refuse_markup(read_head(path), path.name)  # the file gate: no GDAL VRT/XML where points are expected
    fmt = fmt or detect_format(path)
    if fmt == "bulletin":
        return bulletin.read_bulletin(path, name, tz=bulletin_tz)
    try:
        reader = FORMATS[fmt]
    except KeyError:
        raise UnsupportedFormatError(f"unknown format {fmt!r}; known: {sorted(FORMATS)}") from None
    return reader(path, name)
