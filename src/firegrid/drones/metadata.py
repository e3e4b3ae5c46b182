"""Where a drone photo was taken and how the camera pointed: EXIF GPS and DJI XMP (``drone-dji``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from firegrid.errors import InputError
from firegrid.exif import position, read_exif, taken_at

# Sensor sizes (mm) of common DJI payloads when the EXIF does not give them.
SENSORS_MM = {"XT2": (10.88, 8.704), "XT": (10.88, 8.704), "ZH20T": (7.68, 6.144), "M3T": (7.68, 6.144)}
_XMP = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>", re.S)
_DJI = re.compile(r"drone-dji:(\w+)(?:>([^<]*)</drone-dji:\1>|=\"([^\"]*)\")")


@dataclass(frozen=True)
class DronePose:
    """The pose of one drone photo. Altitudes: GPS (above sea level), relative (above take-off)."""

    lon: float
    lat: float
    gps_altitude_m: float | None
    relative_altitude_m: float | None
    gimbal_pitch_deg: float | None
    gimbal_yaw_deg: float | None
    gimbal_roll_deg: float
    flight_yaw_deg: float | None
    focal_length_mm: float | None
    sensor_width_mm: float | None
    sensor_height_mm: float | None
    width_px: int
    height_px: int
    taken_at: datetime | None
    make: str
    model: str


def xmp_dji(data: bytes) -> dict[str, float]:
    """The numeric ``drone-dji:*`` fields of the XMP packet (elements or attributes)."""
    match = _XMP.search(data)
    if not match:
        return {}
    out = {}
    for name, element, attribute in _DJI.findall(match.group(0).decode("utf-8", "replace")):
        try:
            out[name] = float((element or attribute).strip())
        except ValueError:
            continue
    return out


def _sensor(exif: dict[str, Any], width: int, model: str) -> tuple[float | None, float | None]:
    focal, focal35 = exif.get("FocalLength"), exif.get("FocalLengthIn35mmFilm")
    if focal and focal35:
        w = 36.0 * float(focal) / float(focal35)
        return w, w * 0.75
    x_res, y_res = exif.get("FocalPlaneXResolution"), exif.get("FocalPlaneYResolution")
    if x_res and y_res:
        x_res, y_res = float(x_res), float(y_res)
        per_unit = {2: 25.4, 3: 10.0, 4: 1.0}.get(int(exif.get("FocalPlaneResolutionUnit", 2)), 25.4)
        width_mm = width / x_res * per_unit
        if width_mm > 40:  # DJI thermal payloads write the sensor size (mm) here, not pixels per unit
            return x_res, y_res
        return width_mm, width_mm * y_res / x_res
    return SENSORS_MM.get(model.strip(), (None, None))


def read_pose(path: Path) -> DronePose:
    """The pose of a drone JPEG; ``InputError`` naming the file when it has no GPS."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            gps, exif = read_exif(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from exc
    where = position(gps)
    if where is None:
        raise InputError(f"{path}: no EXIF GPS position")
    dji = xmp_dji(path.read_bytes())
    model = str(exif.get("Model", "")).strip("\x00 ")
    sensor_w, sensor_h = _sensor(exif, width, model)
    taken = taken_at(exif, UTC)  # DJI writes no offset; UTC as before
    return DronePose(
        lon=where[0],
        lat=where[1],
        gps_altitude_m=float(gps["GPSAltitude"]) if "GPSAltitude" in gps else dji.get("AbsoluteAltitude"),
        relative_altitude_m=dji.get("RelativeAltitude"),
        gimbal_pitch_deg=dji.get("GimbalPitchDegree"),
        gimbal_yaw_deg=dji.get("GimbalYawDegree"),
        gimbal_roll_deg=dji.get("GimbalRollDegree", 0.0),
        flight_yaw_deg=dji.get("FlightYawDegree"),
        focal_length_mm=float(exif["FocalLength"]) if exif.get("FocalLength") else None,
        sensor_width_mm=sensor_w,
        sensor_height_mm=sensor_h,
        width_px=width,
        height_px=height,
        taken_at=taken,
        make=str(exif.get("Make", "")).strip("\x00 "),
        model=model,
    )
