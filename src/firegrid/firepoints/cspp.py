"""CSPP VIIRS Active Fires I-band EDR text (``AFIMG_*.txt``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from firegrid import __version__
from firegrid.firepoints import fields as fp
from firegrid.firepoints.result import ParseResult, RecordCollector
from firegrid.types import SourceKind

DETECTOR = "cspp-af-edr"
_NAME = re.compile(r"AFIMG_(?P<platform>[a-z0-9]+)_d(?P<date>\d{8})_t(?P<start>\d{6})\d?_e(?P<end>\d{6})\d?")
_SOURCE = re.compile(r"^#\s*source:\s*(\S+)", re.MULTILINE)
_CONFIDENCE = {7: 0.25, 8: 0.6, 9: 0.9}


def looks_like_cspp(path: Path, head: str) -> bool:
    """True for CSPP active-fire text output."""
    return "Active Fires" in head or bool(_NAME.search(path.name) and path.suffix.lower() == ".txt")


def granule_time(path: Path, text: str) -> tuple[str, datetime]:
    """Platform and mid-granule time from the file name (or the ``# source:`` header)."""
    source = _SOURCE.search(text)
    for candidate in (path.name, source.group(1) if source else ""):
        match = _NAME.search(candidate)
        if match:
            day = match["date"]
            start = datetime.strptime(day + match["start"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            end = datetime.strptime(day + match["end"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            start = start.replace(microsecond=_tenths(candidate, "_t") * 100_000)
            end = end.replace(microsecond=_tenths(candidate, "_e") * 100_000)
            return fp.platform(match["platform"]), fp.midpoint(start, end)
    raise ValueError(f"{path.name}: cannot find the granule time (AFIMG_<sat>_d<date>_t<start>_e<end>)")


def _tenths(name: str, tag: str) -> int:
    match = re.search(tag + r"\d{6}(\d)", name)
    return int(match.group(1)) if match else 0


def read_cspp(path: Path, name: str | None = None) -> ParseResult:
    """Parse CSPP EDR text: lat, lon, I4 BT, along-scan/along-track km, confidence, FRP[, anomaly]."""
    collector = RecordCollector(name or str(path), DETECTOR, __version__)
    text = fp.read_text(path)
    try:
        platform, observed = granule_time(path, text)
    except ValueError as exc:
        collector.fail(None, str(exc))
        return collector.result("cspp")
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        collector.rows_read += 1
        try:
            collector.add(line_no, _record(stripped, platform, observed))
        except ValueError as exc:
            collector.fail(line_no, str(exc))
    return collector.result("cspp")


def _record(line: str, platform: str, observed: datetime) -> dict[str, object]:
    cells = [c.strip() for c in line.split(",")]
    if len(cells) not in (7, 8):
        raise ValueError(f"expected 7 or 8 columns, found {len(cells)}")
    lat, lon, tb, scan_km, track_km, conf, frp = (
        fp.number(c, n, required=True)
        for c, n in zip(cells[:7], ("lat", "lon", "tb", "scan", "track", "confidence", "frp"), strict=True)
    )
    fp.check_lon_lat(lon, lat)
    if int(conf) not in _CONFIDENCE:
        raise ValueError(f"confidence must be 7, 8 or 9, got {cells[5]}")
    attrs: dict[str, object] = {"tb": tb, "confidence_class": int(conf), "frp": frp}
    if len(cells) == 8:
        attrs["anomaly"] = cells[7]
    return {
        "lon": lon,
        "lat": lat,
        "observed_at": observed,
        "source_kind": SourceKind.SATELLITE_PRODUCT.value,
        "sensor": "VIIRS",
        "platform": platform,
        "product": "CSPP VIIRS AF I-band EDR",
        "confidence": _CONFIDENCE[int(conf)],
        "frp": frp,
        "brightness_k": tb,
        "scan_m": scan_km * 1000,
        "track_m": track_km * 1000,
        "footprint_m": max(scan_km, track_km) * 1000,
        "daynight": "",
        "attrs": attrs,
    }
