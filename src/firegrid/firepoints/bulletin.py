"""Generic bulletin tables (MEE / provincial fire-point lists) as CSV or XLSX.

Columns are found by name (English or Chinese); coordinates may be decimal or DMS.
County / township columns are kept as reported: the pipeline re-derives them from the
coordinates and reports disagreements.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from firegrid import __version__
from firegrid.errors import InputError
from firegrid.firepoints import fields as fp
from firegrid.firepoints.result import ParseResult, RecordCollector
from firegrid.types import SourceKind

DETECTOR = "bulletin"

ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "中心经度", "火点经度"),
    "lat": ("lat", "latitude", "y", "纬度", "中心纬度", "火点纬度"),
    "datetime": ("datetime", "time", "observed_at", "时间", "监测时间", "过境时间", "发现时间"),
    "date": ("date", "acq_date", "日期", "监测日期", "过境日期", "发现日期"),
    "clock": ("acq_time", "时刻", "过境时刻"),
    "county": ("county", "区县", "县", "县区", "县(市、区)", "县（市、区）", "县市区"),
    "township": ("township", "town", "乡镇", "乡(镇)", "乡（镇）", "乡镇(街道)", "乡镇（街道）"),
    "satellite": ("satellite", "sensor", "卫星", "传感器", "卫星/传感器"),
    "confidence": ("confidence", "可信度", "置信度"),
    "frp": ("frp", "火点强度", "辐射功率"),
    "id": ("id", "编号", "序号", "火点编号"),
}


def find_columns(header: Sequence[Any]) -> dict[str, int]:
    """Map our field names to column indexes by alias (case and spaces ignored)."""
    normalised = [str(h or "").strip().lower().replace(" ", "") for h in header]
    found: dict[str, int] = {}
    for field_name, aliases in ALIASES.items():
        for alias in aliases:
            if alias.lower() in normalised:
                found[field_name] = normalised.index(alias.lower())
                break
    return found


def is_bulletin_header(header: Sequence[Any]) -> bool:
    """True when a row names longitude and latitude columns."""
    cols = find_columns(header)
    return "lon" in cols and "lat" in cols


def read_bulletin(path: Path, name: str | None = None, tz: str = "Asia/Shanghai") -> ParseResult:
    """Parse a bulletin CSV or XLSX; times without an offset are read in ``tz``."""
    collector = RecordCollector(name or str(path), DETECTOR, __version__)
    rows = list(_xlsx_rows(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else _csv_rows(path))
    header_at = next((i for i, row in enumerate(rows[:20]) if is_bulletin_header(row)), None)
    if header_at is None:
        collector.fail(None, "no longitude/latitude header in the first 20 rows")
        return collector.result("bulletin")
    cols = find_columns(rows[header_at])
    if not {"datetime", "date"} & cols.keys():
        collector.fail(header_at + 1, "no time or date column")
        return collector.result("bulletin")
    header = [str(h or "").strip() for h in rows[header_at]]
    zone = ZoneInfo(tz)
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(str(c or "").strip() for c in row):
            continue
        collector.rows_read += 1
        try:
            collector.add(line, _record(row, cols, header, zone))
        except ValueError as exc:
            collector.fail(line, str(exc))
    return collector.result("bulletin")


def _cell(row: Sequence[Any], cols: dict[str, int], name: str) -> Any:
    index = cols.get(name)
    if index is None or index >= len(row):
        return None
    return row[index]


def _record(row: Sequence[Any], cols: dict[str, int], header: list[str], zone: ZoneInfo) -> dict[str, Any]:
    lon = fp.coordinate(_cell(row, cols, "lon"), "longitude")
    lat = fp.coordinate(_cell(row, cols, "lat"), "latitude")
    fp.check_lon_lat(lon, lat)
    when = _cell(row, cols, "datetime")
    precision = "time"
    if when in (None, ""):
        when = _cell(row, cols, "date")
        clock = _cell(row, cols, "clock")
        if clock not in (None, ""):
            when = f"{str(when)[:10]}T{fp.hhmm(clock).isoformat()}"
        else:
            precision = "day"
    observed = fp.local_datetime(when, zone, "time")
    satellite = str(_cell(row, cols, "satellite") or "").strip()
    attrs = {h: _plain(v) for h, v in zip(header, row, strict=False) if h}
    attrs.update(
        reported_county=str(_cell(row, cols, "county") or "").strip(),
        reported_township=str(_cell(row, cols, "township") or "").strip(),
        time_precision=precision,
    )
    return {
        "lon": lon,
        "lat": lat,
        "observed_at": observed,
        "source_kind": SourceKind.SATELLITE_PRODUCT.value,
        "sensor": satellite or "BULLETIN",
        "platform": fp.platform(satellite),
        "product": "bulletin",
        "confidence": fp.confidence(_cell(row, cols, "confidence")),
        "frp": fp.number(_cell(row, cols, "frp"), "frp"),
        "brightness_k": float("nan"),
        "scan_m": float("nan"),
        "track_m": float("nan"),
        "footprint_m": 1000.0,
        "daynight": "",
        "attrs": attrs,
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _csv_rows(path: Path) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(fp.read_text(path), newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise InputError(f"{path.name}:{reader.line_num}: unreadable CSV ({exc})") from exc


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    from firegrid.files.archives import check_workbook

    check_workbook(path, path.name)  # bounded zip, no traversal or links, before openpyxl inflates it
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()
