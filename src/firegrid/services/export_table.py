"""The incident table as CSV / XLSX (for people) and GeoJSON (for machines).

CSV and XLSX have headers and labels in the configured language (zh-CN by default), times in the
configured zone (XLSX: real date cells), and the codes in trailing columns (hidden in XLSX) so a
script can still filter on them. GeoJSON keeps codes and ISO 8601 UTC times.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth.roles import Principal
from firegrid.grid.cells import GridTree
from firegrid.localtime import naive_local, zone_name
from firegrid.services.stats import Window, _incidents, map_status

COLUMNS = (
    "incident",
    "hazard",
    "status",
    "task",
    "task_status",
    "verdict",
    "reason",
    "lon",
    "lat",
    "cell",
    "place",
    "first_seen",
    "last_seen",
    "detections",
    "sources",
    "max_frp_mw",
    "max_confidence",
)
TIMES = ("first_seen", "last_seen")
CODES = ("hazard", "status", "task_status", "verdict", "reason", "sources")  # trailing, as codes
LABEL_GROUPS = {
    "hazard": ("hazard",),
    "status": ("incident_status",),
    "task_status": ("status", "map_status"),
    "verdict": ("status",),
    "reason": ("reason",),
}
DATE_FORMAT = "yyyy-mm-dd hh:mm"


def incident_rows(
    session: Session, principal: Principal, window: Window, tree: GridTree | None, now: datetime
) -> list[dict[str, Any]]:
    """One flat row per incident in the window (the caller's subtree): codes and UTC datetimes."""
    rows = []
    for incident, task in _incidents(session, principal, window):
        place = (
            " / ".join(c.name for c in tree.ancestors(incident.cell_code))
            if tree and incident.cell_code
            else ""
        )
        rows.append(
            {
                "incident": incident.id,
                "hazard": incident.hazard,
                "status": incident.status,
                "task": task.id if task else None,
                "task_status": map_status(task, now),
                "verdict": task.verdict if task else None,
                "reason": task.reason_code if task else None,
                "lon": round(incident.lon, 6),
                "lat": round(incident.lat, 6),
                "cell": incident.cell_code,
                "place": place,
                "first_seen": incident.first_seen,
                "last_seen": incident.last_seen,
                "detections": incident.n_detections,
                "sources": incident.source_kinds,
                "max_frp_mw": incident.max_frp,
                "max_confidence": incident.max_confidence,
            }
        )
    return rows


def _label(column: str, code: Any, lang: str) -> Any:
    if column == "sources":
        return i18n.labels("source_kind", str(code or ""), lang)
    for group in LABEL_GROUPS.get(column, ()):
        if i18n.has(group, code):
            return i18n.label(group, code, lang)
    return code


def headers(zone: ZoneInfo, lang: str) -> list[str]:
    """The people's headers (times name the zone), then the code columns."""
    names = [i18n.label("column", c, lang) for c in COLUMNS]
    names = [
        f"{n}({zone_name(zone, lang)})" if c in TIMES else n for n, c in zip(names, COLUMNS, strict=True)
    ]
    return names + [f"{c}_code" for c in CODES]


def people_row(row: dict[str, Any], zone: ZoneInfo, lang: str) -> list[Any]:
    """Labels and local times, then the codes."""
    values = [
        naive_local(row[c], zone) if c in TIMES else _label(c, row[c], lang) if c in CODES else row[c]
        for c in COLUMNS
    ]
    return values + [row[c] for c in CODES]


def to_csv(rows: list[dict[str, Any]], zone: ZoneInfo, lang: str = "zh") -> bytes:
    """UTF-8 with BOM (Excel opens the Chinese names right); local times as ``2026-12-05 17:00:00``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(zone, lang))
    writer.writerows(people_row(r, zone, lang) for r in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], zone: ZoneInfo, lang: str = "zh") -> bytes:
    """One sheet: a bold frozen header, real date cells in local time, the code columns hidden."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = i18n.text("column.sheet", lang)
    sheet.append(headers(zone, lang))
    for row in rows:
        sheet.append(people_row(row, zone, lang))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for name in TIMES:
        letter = get_column_letter(COLUMNS.index(name) + 1)
        sheet.column_dimensions[letter].width = 18
        for (cell,) in sheet.iter_rows(
            min_row=2, min_col=COLUMNS.index(name) + 1, max_col=COLUMNS.index(name) + 1
        ):
            cell.number_format = DATE_FORMAT
    for offset in range(len(CODES)):
        sheet.column_dimensions[get_column_letter(len(COLUMNS) + offset + 1)].hidden = True
    sheet.column_dimensions[get_column_letter(COLUMNS.index("place") + 1)].width = 36
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points with every column as a property (codes; times ISO 8601 UTC)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["incident"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    k: (v.isoformat() if isinstance(v, datetime) else v)
                    for k, v in r.items()
                    if k not in ("lon", "lat")
                },
            }
            for r in rows
        ],
    }
