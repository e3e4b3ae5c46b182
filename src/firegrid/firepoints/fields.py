"""Field-level parsing shared by the fire-point parsers: numbers, times, confidences, text."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from firegrid.errors import UnsupportedFormatError

_QUIET: ContextVar[bool] = ContextVar("firegrid_quiet_values", default=False)
QUOTE_MAX = 40


@contextmanager
def quiet_values() -> Iterator[None]:
    """Within the block, parse errors name the field and the problem but never quote the cell
    (files the server found itself, e.g. in watch folders, must not leak through error messages)."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def quoted(value: Any) -> str:
    """A bad cell for an error message: its repr, cut to ``QUOTE_MAX`` characters (nothing when quiet)."""
    if _QUIET.get():
        return "(value withheld)"
    text = repr(value)
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


PLATFORMS = {
    "T": "Terra",
    "TERRA": "Terra",
    "A": "Aqua",
    "AQUA": "Aqua",
    "N": "Suomi NPP",
    "NPP": "Suomi NPP",
    "SNPP": "Suomi NPP",
    "SUOMI NPP": "Suomi NPP",
    "N20": "NOAA-20",
    "1": "NOAA-20",
    "J1": "NOAA-20",
    "J01": "NOAA-20",
    "NOAA-20": "NOAA-20",
    "N21": "NOAA-21",
    "2": "NOAA-21",
    "J2": "NOAA-21",
    "J02": "NOAA-21",
    "NOAA-21": "NOAA-21",
    "L8": "Landsat-8",
    "L9": "Landsat-9",
}

# FIRMS documents low / nominal / high classes; we place them on a 0-1 scale.
CLASS_CONFIDENCE = {"L": 0.25, "LOW": 0.25, "N": 0.6, "NOMINAL": 0.6, "M": 0.6, "H": 0.9, "HIGH": 0.9}


def read_text(path: Path) -> str:
    """File text as UTF-8 (with or without BOM), falling back to GB18030 (GBK); newlines normalised
    (a lone ``\r`` would stop the csv module); ``UnsupportedFormatError`` for anything else."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise UnsupportedFormatError(f"{path.name}: not UTF-8 or GBK/GB18030 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def number(value: Any, name: str, *, required: bool = False) -> float:
    """A float from a cell; empty means NaN unless ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{name} is empty")
        return math.nan
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a number: {quoted(value)}") from None
    if not math.isfinite(result):
        raise ValueError(f"{name} is not finite: {quoted(value)}")
    return result


def check_lon_lat(lon: float, lat: float) -> None:
    """Refuse coordinates outside the WGS84 range."""
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude out of range: {lon}")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude out of range: {lat}")


def hhmm(value: Any) -> time:
    """FIRMS ``acq_time``: HHMM UTC, zero-padded or not ("0544", "603", "10")."""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if ":" in text:
        return time.fromisoformat(text)
    if not text.isdigit() or len(text) > 4:
        raise ValueError(f"acq_time is not HHMM: {quoted(value)}")
    text = text.zfill(4)
    hour, minute = int(text[:2]), int(text[2:])
    if hour > 23 or minute > 59:
        raise ValueError(f"acq_time is not a valid time: {quoted(value)}")
    return time(hour, minute)


def utc_datetime(day: Any, at: time) -> datetime:
    """Combine an ISO date and a UTC time."""
    try:
        parsed = day if isinstance(day, date) else date.fromisoformat(str(day).strip()[:10])
    except ValueError:
        raise ValueError(f"acq_date is not a date: {quoted(day)}") from None
    return datetime.combine(parsed, at, tzinfo=UTC)


def platform(value: Any) -> str:
    """A readable platform name from a FIRMS/CSPP code."""
    text = str(value or "").strip()
    return PLATFORMS.get(text.upper(), text)


def confidence(value: Any) -> float:
    """Confidence on 0-1 from 0-100 numbers or l/n/h classes; NaN when absent."""
    text = str(value if value is not None else "").strip()
    if not text:
        return math.nan
    upper = text.upper()
    if upper in CLASS_CONFIDENCE:
        return CLASS_CONFIDENCE[upper]
    score = number(text, "confidence")
    if not 0.0 <= score <= 100.0:
        raise ValueError(f"confidence out of range 0-100: {quoted(value)}")
    return score / 100.0


_DMS = re.compile(r"[-+]?\d+(?:\.\d+)?")


def coordinate(value: Any, name: str) -> float:
    """Decimal degrees from a decimal number or a DMS string (112°35'20.5", 112度35分20秒, 35.5S)."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").strip()
    if not text:
        raise ValueError(f"{name} is empty")
    parts = [float(p) for p in _DMS.findall(text)]
    if not parts or len(parts) > 3:
        raise ValueError(f"{name} is not a coordinate: {quoted(value)}")
    degrees = abs(parts[0]) + sum(p / 60**i for i, p in enumerate(parts[1:], start=1))
    if any(p >= 60 for p in parts[1:]):
        raise ValueError(f"{name} minutes/seconds must be below 60: {quoted(value)}")
    negative = parts[0] < 0 or text[-1:].upper() in {"S", "W"} or text[:1].upper() in {"S", "W"}
    return float(-degrees if negative else degrees)


def local_datetime(value: Any, tz: Any, name: str) -> datetime:
    """A datetime from a cell (ISO text, Excel datetime or date), in ``tz`` unless it says otherwise."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        text = str(value or "").strip().replace("/", "-").replace("年", "-").replace("月", "-")
        text = text.replace("日", " ").replace("时", ":").replace("分", "").strip()
        if not text:
            raise ValueError(f"{name} is empty")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name} is not a date/time: {quoted(value)}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def midpoint(start: datetime, end: datetime) -> datetime:
    """The middle of a granule; an end before the start has crossed midnight."""
    if end < start:
        end += timedelta(days=1)
    return start + (end - start) / 2
