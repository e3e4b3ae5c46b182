"""A local stand-in for NASA FIRMS (127.0.0.1) serving the real FIRMS files from ../shared/data.

URL shapes: ``/api/area/csv/{MAP_KEY}/{SOURCE}/{W,S,E,N}/{DAYS}[/{DATE}]`` (rows in the bbox,
DATE .. DATE+DAYS-1, or the newest DAYS days of the file) and the regional
``/data/active_fire/{folder}/csv/{file}``. Faults: 429 or 500 once, an invalid key, a
malformed row appended.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from fastapi import FastAPI, Response

from tests import servers

KEY = "0123456789abcdef0123456789abcdef"
FILES = {  # product -> real file (None: an empty product, header only)
    "VIIRS_SNPP_NRT": "SUOMI_VIIRS_C2_South_Asia_7d_20250621-28.csv",
    "MODIS_NRT": "MODIS_C6_1_Global_24h_20220226.csv",
    "VIIRS_NOAA20_NRT": None,
}
VIIRS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,"
    "satellite,confidence,version,bright_ti5,frp,daynight\n"
)


@dataclass
class Faults:
    rate_limit_once: bool = False
    error_once: bool = False
    malformed_row: bool = False
    calls: list[str] = field(default_factory=list)


def _rows(text: str) -> tuple[str, list[str]]:
    lines = text.splitlines(keepends=True)
    return lines[0], lines[1:]


def _select(folder: Path, product: str, bbox: tuple[float, ...] | None, days: int, start: date | None) -> str:
    name = FILES.get(product)
    if name is None:
        return VIIRS_HEADER
    header, rows = _rows((folder / name).read_text())
    cols = [c.strip() for c in header.split(",")]
    lat_i, lon_i, day_i = cols.index("latitude"), cols.index("longitude"), cols.index("acq_date")
    parsed = [(r, next(csv.reader(io.StringIO(r)))) for r in rows]
    newest = max(date.fromisoformat(c[day_i]) for _, c in parsed)
    first = start or newest - timedelta(days=days - 1)
    last = first + timedelta(days=days - 1)
    kept = []
    for row, c in parsed:
        if not first <= date.fromisoformat(c[day_i]) <= last:
            continue
        if bbox and not (bbox[0] <= float(c[lon_i]) <= bbox[2] and bbox[1] <= float(c[lat_i]) <= bbox[3]):
            continue
        kept.append(row)
    return header + "".join(kept)


def make_app(folder: Path, faults: Faults) -> FastAPI:
    app = FastAPI()

    def fault() -> Response | None:
        if faults.rate_limit_once:
            faults.rate_limit_once = False
            return Response("Too many requests", status_code=429, headers={"Retry-After": "0"})
        if faults.error_once:
            faults.error_once = False
            return Response("upstream error", status_code=500)
        return None

    def area(key: str, product: str, area_: str, days: int, day: str | None) -> Response:
        faults.calls.append(f"{product}/{days}/{day or 'latest'}")
        if key != KEY:
            return Response("Invalid MAP_KEY.", status_code=400)
        if (early := fault()) is not None:
            return early
        bbox = None if area_ == "world" else tuple(float(v) for v in area_.split(","))
        body = _select(folder, product, bbox, days, date.fromisoformat(day) if day else None)
        if faults.malformed_row:
            body += "99.9,not-a-number,330,0.4,0.4,2025-06-27,0544,N,n,2.0NRT,290,3,D\n"
        return Response(body, media_type="text/csv")

    @app.get("/api/area/csv/{key}/{product}/{area_}/{days}")
    def latest(key: str, product: str, area_: str, days: int) -> Response:
        return area(key, product, area_, days, None)

    @app.get("/api/area/csv/{key}/{product}/{area_}/{days}/{day}")
    def dated(key: str, product: str, area_: str, days: int, day: str) -> Response:
        return area(key, product, area_, days, day)

    @app.get("/data/active_fire/{folder_}/csv/{name}")
    def regional(folder_: str, name: str) -> Response:
        faults.calls.append(f"file/{name}")
        if (early := fault()) is not None:
            return early
        product = "MODIS_NRT" if name.startswith("MODIS") else "VIIRS_SNPP_NRT"
        return Response((folder / FILES[product]).read_text(), media_type="text/csv")  # type: ignore[operator]

    return app


class FakeFirms(servers.AppServer):
    def __init__(self, shared: Path) -> None:
        self.faults = Faults()
        super().__init__(make_app(shared / "satellite" / "firms", self.faults))
