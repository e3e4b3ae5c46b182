"""EXIF of photos (drones, inspectors' phones): the tags, the GPS position, the capture time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import ExifTags, Image

GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def read_exif(image: Image.Image) -> tuple[dict[str, Any], dict[str, Any]]:
    """(GPS tags, other tags) by name."""
    raw = image.getexif()
    gps = {str(ExifTags.GPSTAGS.get(k, k)): v for k, v in raw.get_ifd(GPS_IFD).items()}
    tags = {str(ExifTags.TAGS.get(k, k)): v for k, v in {**raw, **raw.get_ifd(EXIF_IFD)}.items()}
    return gps, tags


def dms(value: Any, ref: str) -> float:
    """Degrees/minutes/seconds rationals to signed decimal degrees."""
    degrees, minutes, seconds = (float(v) for v in value)
    signed = degrees + minutes / 60 + seconds / 3600
    return -signed if ref in ("S", "W") else signed


def position(gps: dict[str, Any]) -> tuple[float, float] | None:
    """(lon, lat) from GPS tags, or None."""
    if "GPSLatitude" not in gps or "GPSLongitude" not in gps:
        return None
    try:
        return dms(gps["GPSLongitude"], gps.get("GPSLongitudeRef", "E")), dms(
            gps["GPSLatitude"], gps.get("GPSLatitudeRef", "N")
        )
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def taken_at(tags: dict[str, Any], default_tz: tzinfo) -> datetime | None:
    """DateTimeOriginal with OffsetTimeOriginal when present, else in ``default_tz``."""
    stamp = str(tags.get("DateTimeOriginal") or tags.get("DateTime") or "").strip("\x00 ")
    if not stamp:
        return None
    try:
        local = datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = str(tags.get("OffsetTimeOriginal") or tags.get("OffsetTime") or "").strip("\x00 ")
    if len(offset) == 6 and offset[0] in "+-":
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        return local.replace(tzinfo=timezone(sign * delta))
    return local.replace(tzinfo=default_tz)
