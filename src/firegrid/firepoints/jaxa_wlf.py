"""JAXA Himawari Wild Fire product (L2 WLF, 10 minutes): ``Hnn_YYYYMMDD_hhmm_L2WLFvvv_FLDK.*.csv``.

Two ``#`` header lines (acquisition and processing time; the column names), then one row per 0.02°
fire grid cell: ``ID,Year,Month,Day,Time(UTC),Lat,Lon,Area(km^2),Volcano,Level,Reliability,FRP(Wm^-2),
QF,Hot(ID)`` (JAXA/EORC README_Himawari_L2WLF). Level 1/2/3 = cold / smouldering / flaming;
Reliability 1/3/5 = low / normal / high; QF 0/1/2 = normal / saturated / low confidence (as read by
ODIN's ``odin_himawari``). The header gives FRP in W m⁻² of the cell, so FRP in MW is the value times
the cell area in km² (1 W m⁻² over 1 km² = 1 MW); the raw value is kept in ``attrs``.
The points are geostationary pixels seen every 10 minutes: source kind ``satellite_geo``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firegrid import __version__, geo
from firegrid.firepoints import fields as fp
from firegrid.firepoints.result import ParseResult, RecordCollector
from firegrid.types import SourceKind

DETECTOR = "jaxa-wlf"
COLUMNS = (
    "id",
    "year",
    "month",
    "day",
    "time(utc)",
    "lat",
    "lon",
    "area(km^2)",
    "volcano",
    "level",
    "reliability",
    "frp(wm^-2)",
    "qf",
    "hot(id)",
)
_NAME = re.compile(r"^H(?P<sat>\d\d)_\d{8}_\d{4}_L2WLF(?P<version>\d{3})_")
RELIABILITY = {1: 0.25, 3: 0.6, 5: 0.9}
LEVELS = {1: "cold", 2: "smouldering", 3: "flaming"}
QUALITY = {0: "normal", 1: "saturated", 2: "low confidence"}
GRID_DEG = 0.02


def looks_like_wlf(path: Path, head: str) -> bool:
    """True for a WLF file: its name, or its ``# ID,Year,…,Reliability,FRP`` header line."""
    if _NAME.match(path.name):
        return True
    return any(
        line.lstrip("# ").lower().startswith("id,year,month") and "reliability" in line.lower()
        for line in head.splitlines()[:3]
    )


def read_wlf(path: Path, name: str | None = None) -> ParseResult:
    """Parse a WLF CSV; bad rows become row errors, the rest is kept."""
    collector = RecordCollector(name or str(path), DETECTOR, __version__)
    text = fp.read_text(path)
    match = _NAME.match(path.name)
    platform = f"Himawari-{int(match['sat'])}" if match else "Himawari"
    product = f"JAXA WLF L2 v{match['version']}" if match else "JAXA WLF L2"
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not cells or cells[0].lstrip().startswith("#"):
            continue
        collector.rows_read += 1
        try:
            collector.add(line_no, _record(cells, platform, product))
        except ValueError as exc:
            collector.fail(line_no, str(exc))
    return collector.result("jaxa-wlf")


def _integer(value: str, name: str, allowed: dict[int, Any]) -> int:
    number = fp.number(value, name, required=True)
    if not number.is_integer() or int(number) not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return int(number)


def _record(cells: list[str], platform: str, product: str) -> dict[str, Any]:
    if len(cells) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} columns, found {len(cells)}")
    row = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
    year, month, day = (int(fp.number(row[k], k, required=True)) for k in ("year", "month", "day"))
    at = fp.hhmm(row["time(utc)"])
    try:
        observed = datetime(year, month, day, at.hour, at.minute, tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not a date: {year}-{month}-{day}") from None
    lat, lon = fp.number(row["lat"], "Lat", required=True), fp.number(row["lon"], "Lon", required=True)
    fp.check_lon_lat(lon, lat)
    area = fp.number(row["area(km^2)"], "Area", required=True)
    frp_wm2 = fp.number(row["frp(wm^-2)"], "FRP")
    reliability = _integer(row["reliability"], "Reliability", RELIABILITY)
    level = _integer(row["level"], "Level", LEVELS)
    quality = _integer(row["qf"], "QF", QUALITY)
    ns_m = GRID_DEG * geo.METRES_PER_DEGREE_LAT
    return {
        "lon": lon,
        "lat": lat,
        "observed_at": observed,
        "source_kind": SourceKind.SATELLITE_GEO.value,
        "sensor": "AHI",
        "platform": platform,
        "product": product,
        "confidence": RELIABILITY[reliability],
        "frp": frp_wm2 * area if not math.isnan(frp_wm2) else math.nan,
        "footprint_m": math.sqrt(area) * 1000,
        "scan_m": ns_m * math.cos(math.radians(lat)),
        "track_m": ns_m,
        "daynight": "",
        "attrs": {
            "grid_id": row["id"],
            "level": LEVELS[level],
            "reliability": reliability,
            "qf": QUALITY[quality],
            "frp_w_m2": frp_wm2,
            "area_km2": area,
            "volcanoes_3x3": int(fp.number(row["volcano"], "Volcano") or 0),
            "hot_id": row["hot(id)"],
        },
    }
