"""NASA FIRMS fire points: CSV (every MODIS / VIIRS / Landsat variant) and JSON / GeoJSON."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from firegrid import __version__
from firegrid.firepoints import fields as fp
from firegrid.firepoints.result import ParseResult, RecordCollector
from firegrid.types import SourceKind

DETECTOR = "firms"
REQUIRED = ("latitude", "longitude", "acq_date", "acq_time")


def looks_like_firms(header: Iterable[str]) -> bool:
    """True for a header with the FIRMS key columns."""
    names = {h.strip().lower() for h in header}
    return all(r in names for r in REQUIRED)


def sensor_of(row: Mapping[str, Any]) -> str:
    """MODIS, VIIRS or OLI from the columns a FIRMS row has."""
    instrument = str(row.get("instrument") or "").strip().upper()
    if instrument:
        return instrument
    if "bright_ti4" in row:
        return "VIIRS"
    if "brightness" in row:
        return "MODIS"
    if "path" in row and "row" in row:
        return "OLI"
    return "UNKNOWN"


def record_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One FIRMS row (CSV cells or JSON values) as Detections columns; raises ValueError."""
    missing = [name for name in REQUIRED if row.get(name) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    lat = fp.number(row["latitude"], "latitude", required=True)
    lon = fp.number(row["longitude"], "longitude", required=True)
    fp.check_lon_lat(lon, lat)
    sensor = sensor_of(row)
    scan_km = fp.number(row.get("scan"), "scan")
    track_km = fp.number(row.get("track"), "track")
    version = str(row.get("version") or "").strip()
    return {
        "lon": lon,
        "lat": lat,
        "observed_at": fp.utc_datetime(row["acq_date"], fp.hhmm(row["acq_time"])),
        "source_kind": SourceKind.SATELLITE_PRODUCT.value,
        "sensor": sensor,
        "platform": fp.platform(row.get("satellite")),
        "product": f"FIRMS {sensor} {version}".strip(),
        "confidence": fp.confidence(row.get("confidence")),
        "frp": fp.number(row.get("frp"), "frp"),
        "brightness_k": fp.number(row.get("brightness", row.get("bright_ti4")), "brightness"),
        "scan_m": scan_km * 1000.0,
        "track_m": track_km * 1000.0,
        "footprint_m": _footprint_m(sensor, scan_km, track_km),
        "daynight": str(row.get("daynight") or "").strip().upper(),
        "attrs": {k: v for k, v in row.items() if k is not None},
    }


NOMINAL_PIXEL_M = {"MODIS": 1000.0, "VIIRS": 375.0, "OLI": 30.0}


def _footprint_m(sensor: str, scan_km: float, track_km: float) -> float:
    sizes = [v for v in (scan_km, track_km) if not math.isnan(v)]
    if sizes:
        return max(sizes) * 1000.0
    return NOMINAL_PIXEL_M.get(sensor, 1000.0)


def read_csv(path: Path, name: str | None = None) -> ParseResult:
    """Parse a FIRMS CSV; bad rows become errors naming the line."""
    collector = RecordCollector(name or str(path), DETECTOR, __version__)
    reader = csv.DictReader(io.StringIO(fp.read_text(path), newline=""))
    reader.fieldnames = [f.strip().lower() for f in (reader.fieldnames or [])]
    try:
        for row in reader:
            collector.rows_read += 1
            line = reader.line_num
            if None in row:
                collector.fail(line, f"{len(row[None])} extra cell(s) beyond the header")  # type: ignore[index]
                continue
            _collect(collector, line, row)
    except csv.Error as exc:  # the rows before stay accepted
        collector.fail(reader.line_num, f"unreadable CSV from here on: {exc}")
    return collector.result("firms-csv")


def read_json(path: Path, name: str | None = None) -> ParseResult:
    """Parse FIRMS JSON: a list of records, ``{"data": [...]}`` or a GeoJSON FeatureCollection."""
    collector = RecordCollector(name or str(path), DETECTOR, __version__)
    try:
        document = json.loads(fp.read_text(path))
    except json.JSONDecodeError as exc:
        collector.fail(exc.lineno, f"not valid JSON: {exc.msg}")
        return collector.result("firms-json")
    try:
        records = _json_records(document)
    except ValueError as exc:
        collector.fail(None, str(exc))
        return collector.result("firms-json")
    for index, item in enumerate(records, start=1):
        collector.rows_read += 1
        if not isinstance(item, dict):
            collector.fail(index, "record is not an object")
            continue
        _collect(collector, index, {str(k).lower(): v for k, v in item.items()})
    return collector.result("firms-json")


def _json_records(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        return [_feature_record(f) for f in document["features"]]
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        return list(document["data"])
    raise ValueError("JSON is neither a list of fire points nor a FeatureCollection")


def _feature_record(feature: Any) -> Any:
    if not isinstance(feature, dict):
        return feature
    record = dict(feature.get("properties") or {})
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        record.setdefault("longitude", lon)
        record.setdefault("latitude", lat)
    return record


def _collect(collector: RecordCollector, line: int, row: Mapping[str, Any]) -> None:
    try:
        collector.add(line, record_from_row(row))
    except ValueError as exc:
        collector.fail(line, str(exc))
