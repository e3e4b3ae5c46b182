"""FLIR radiometric JPEGs (DJI XT/XT2 and FLIR cameras): raw thermal counts and Planck constants
from the APP1 "FLIR" segments (FFF records), converted to temperatures (degrees Celsius).

Record layout and the raw -> temperature formula (with emissivity, reflected and atmospheric
terms) follow the published descriptions (ExifTool FLIR tags; Tattersall's Thermimage).
DJI R-JPEG (M2EA, H20T, M30T, M3T...) needs DJI's proprietary SDK and is not read.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from firegrid.errors import InputError

RAW_DATA, CAMERA_INFO = 0x01, 0x20


@dataclass(frozen=True)
class Planck:
    """Calibration and measurement parameters of a radiometric image."""

    r1: float
    r2: float
    b: float
    f: float
    o: float
    emissivity: float
    distance_m: float
    reflected_c: float
    atmosphere_c: float
    window_c: float
    window_transmission: float
    humidity: float
    alpha1: float
    alpha2: float
    beta1: float
    beta2: float
    x: float


def fff_blob(data: bytes) -> bytes:
    """The FFF data assembled from the APP1 segments that start with ``FLIR\\0``."""
    chunks: list[tuple[int, bytes]] = []
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        payload = data[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and payload.startswith(b"FLIR\x00"):
            chunks.append((payload[6], payload[8:]))
        if marker == 0xDA:  # start of scan: no more metadata segments
            break
        pos += 2 + length
    if not chunks:
        raise InputError("no FLIR radiometric segments (not a FLIR/DJI XT radiometric JPEG)")
    return b"".join(chunk for _, chunk in sorted(chunks))


def _records(blob: bytes) -> dict[int, bytes]:
    if blob[:4] != b"FFF\x00":
        raise InputError("FLIR segments do not hold an FFF record")
    version = struct.unpack(">I", blob[20:24])[0]
    order = ">" if 100 <= version < 200 else "<"
    offset, count = struct.unpack(order + "II", blob[24:32])
    records: dict[int, bytes] = {}
    for i in range(count):
        entry = blob[offset + 32 * i : offset + 32 * (i + 1)]
        kind, _, _, _, start, length = struct.unpack(order + "HHIIII", entry[:20])
        if kind and length:
            records.setdefault(kind, blob[start : start + length])
    return records


def _order(record: bytes) -> str:
    return "<" if struct.unpack("<H", record[:2])[0] == 2 else ">"


def raw_thermal(record: bytes) -> NDArray[np.uint16]:
    """The raw 16-bit counts of a RawData record (embedded PNG or plain little-endian array)."""
    o = _order(record)
    width, height = struct.unpack(o + "HH", record[2:6])
    body = record[32:]
    if body.startswith(b"\x89PNG"):
        with Image.open(io.BytesIO(body)) as png:
            counts = np.asarray(png, dtype=np.uint16)
        return counts.byteswap()  # FLIR stores PNG samples with swapped bytes
    return np.frombuffer(body[: width * height * 2], dtype="<u2").reshape(height, width).copy()


def planck(record: bytes) -> Planck:
    """Planck constants and measurement parameters of a CameraInfo record (temperatures in C)."""
    o = _order(record)

    def f32(at: int) -> float:
        return float(struct.unpack(o + "f", record[at : at + 4])[0])

    return Planck(
        r1=f32(0x58),
        r2=f32(0x30C),
        b=f32(0x5C),
        f=f32(0x60),
        o=float(struct.unpack(o + "i", record[0x308:0x30C])[0]),
        emissivity=f32(0x20),
        distance_m=f32(0x24),
        reflected_c=f32(0x28) - 273.15,
        atmosphere_c=f32(0x2C) - 273.15,
        window_c=f32(0x30) - 273.15,
        window_transmission=f32(0x34),
        humidity=f32(0x3C),
        alpha1=f32(0x70),
        alpha2=f32(0x74),
        beta1=f32(0x78),
        beta2=f32(0x7C),
        x=f32(0x80),
    )


def temperatures(raw: NDArray[np.uint16], p: Planck) -> NDArray[np.float32]:
    """Raw counts to object temperature (C), with emissivity, reflection, atmosphere and window."""

    def radiance(t_c: float) -> float:
        return p.r1 / (p.r2 * (math.exp(p.b / (t_c + 273.15)) - p.f)) - p.o

    rh = p.humidity if p.humidity <= 1 else p.humidity / 100
    t = p.atmosphere_c
    h2o = rh * math.exp(1.5587 + 0.06939 * t - 0.00027816 * t * t + 0.00000068455 * t**3)
    d = math.sqrt(max(p.distance_m, 0.0) / 2)
    tau = p.x * math.exp(-d * (p.alpha1 + p.beta1 * math.sqrt(h2o))) + (1 - p.x) * math.exp(
        -d * (p.alpha2 + p.beta2 * math.sqrt(h2o))
    )
    e, irt = p.emissivity, p.window_transmission or 1.0
    reflected = (1 - e) / e * radiance(p.reflected_c)
    atm1 = (1 - tau) / e / tau * radiance(p.atmosphere_c)
    window = (1 - irt) / e / tau / irt * radiance(p.window_c)
    atm2 = (1 - tau) / e / tau / irt / tau * radiance(p.atmosphere_c)
    reflected2 = (1 - irt) / e / tau / irt / tau * radiance(p.reflected_c) * 0.0  # IR window reflection ~0
    obj = raw.astype(np.float64) / e / tau / irt / tau - atm1 - atm2 - window - reflected - reflected2
    with np.errstate(invalid="ignore", divide="ignore"):
        celsius = p.b / np.log(p.r1 / (p.r2 * (obj + p.o)) + p.f) - 273.15
    return celsius.astype(np.float32)


def read_thermal(data: bytes) -> tuple[NDArray[np.float32], Planck]:
    """Temperatures (C) of a FLIR radiometric JPEG's bytes, and its parameters."""
    records = _records(fff_blob(data))
    if RAW_DATA not in records or CAMERA_INFO not in records:
        raise InputError("FLIR FFF data lacks the raw image or the camera calibration")
    p = planck(records[CAMERA_INFO])
    return temperatures(raw_thermal(records[RAW_DATA]), p), p
