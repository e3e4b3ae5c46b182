"""Zip archives from outside (zipped Shapefiles, XLSX workbooks): listed and bounded before anything
reads them, and a Shapefile is unpacked by firegrid itself (never through GDAL's ``/vsizip/``).

Refused: members with absolute paths, ``..``, NUL bytes or drive letters; symbolic links; encrypted
members; nested archives and VRTs; more members or more unpacked bytes than the limits (a zip bomb
declares small sizes and inflates to gigabytes, so the bytes are counted while unpacking too).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from firegrid.errors import UnsafeFileError
from firegrid.files.sniff import check_format, read_head, refuse_markup

MAX_UNPACKED_BYTES = 2 * 1024**3
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
REFUSED_MEMBERS = {".vrt", ".zip", ".gz", ".tar", ".tgz", ".7z", ".rar", ".kmz", ".ovr", ".aux"}
_CHUNK = 1 << 20


def _member_path(info: zipfile.ZipInfo, what: str) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    member = PurePosixPath(name)
    if (
        "\x00" in name
        or member.is_absolute()
        or ".." in member.parts
        or (member.parts and ":" in member.parts[0])
    ):
        raise UnsafeFileError(f"{what}: refused, member {name[:120]!r} would land outside the archive")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeFileError(f"{what}: refused, member {name[:120]!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise UnsafeFileError(f"{what}: refused, member {name[:120]!r} is encrypted")
    return member


def list_members(
    path: Path, what: str, max_members: int = 256, max_bytes: int = MAX_UNPACKED_BYTES
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The file members of a zip with their safe relative paths, after every check above."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeFileError(f"{what}: not a readable zip archive ({exc})") from None
    if len(infos) > max_members:
        raise UnsafeFileError(f"{what}: refused, {len(infos)} members (at most {max_members})")
    declared = sum(i.file_size for i in infos)
    if declared > max_bytes:
        raise UnsafeFileError(f"{what}: refused, it unpacks to {declared} bytes (at most {max_bytes})")
    return [(info, _member_path(info, what)) for info in infos]


def check_workbook(path: Path, what: str, max_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """An XLSX is a zip of XML parts: bounded, no traversal, no links, no embedded VRT."""
    check_format(path, ["XLSX"], what)
    members = list_members(path, what, max_members=10_000, max_bytes=max_bytes)
    names = {str(m) for _, m in members}
    if "[Content_Types].xml" not in names:
        raise UnsafeFileError(f"{what}: not an XLSX workbook (no [Content_Types].xml)")
    bad = sorted(n for n in names if PurePosixPath(n).suffix.lower() in REFUSED_MEMBERS)
    if bad:
        raise UnsafeFileError(f"{what}: refused, the workbook contains {bad[0][:80]}")


def unpack_shapefile(path: Path, dest: Path, what: str, max_bytes: int = MAX_UNPACKED_BYTES) -> Path:
    """Unpack the one Shapefile of a zip into ``dest`` (flat); returns the ``.shp`` path."""
    members = list_members(path, what, max_bytes=max_bytes)
    for _, member in members:
        if member.suffix.lower() in REFUSED_MEMBERS:
            raise UnsafeFileError(f"{what}: refused, the archive contains {str(member)[:80]}")
    shps = [m for _, m in members if m.suffix.lower() == ".shp"]
    if len(shps) != 1:
        raise UnsafeFileError(f"{what}: a zipped Shapefile needs exactly one .shp (found {len(shps)})")
    stem = shps[0].stem.lower()
    parts = [(i, m) for i, m in members if m.stem.lower() == stem and m.suffix.lower() in SHAPEFILE_PARTS]
    dest.mkdir(parents=True, exist_ok=True)
    budget = max_bytes
    with zipfile.ZipFile(path) as archive:
        for info, member in parts:
            target = dest / f"{stem}{member.suffix.lower()}"
            budget = _extract(archive, info, target, budget, what)
            if target.suffix != ".shp":
                refuse_markup(read_head(target), f"{what}: {member.name}")
    shp = dest / f"{stem}.shp"
    check_format(shp, ["ESRI Shapefile"], f"{what}: {shps[0].name}")
    return shp


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, what: str) -> int:
    """Copy one member, counting real bytes against ``budget``; returns what is left of it."""
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            budget -= len(chunk)
            if budget < 0:
                raise UnsafeFileError(f"{what}: refused, it unpacks to more than the limit (zip bomb?)")
            out.write(chunk)
    return budget
