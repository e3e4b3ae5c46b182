"""Exports: one incident as CAP 1.2 and the daily bulletin (the incident table: ``export_table``).

The bulletin covers the Hebei-style window 17:00 (day before) to 17:00 (the day), local time:
totals, the township ranking and a map rendered on the server (no tiles, no Internet).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import i18n
from firegrid.auth.roles import Principal
from firegrid.grid.cells import GridTree
from firegrid.localtime import format_time
from firegrid.services.cell_stats import cells, ranking
from firegrid.services.stats import Window, hits, tasks_pushed
from firegrid.store.tables import IncidentRevision, IncidentRow, TaskRow

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


# --- CAP 1.2 ----------------------------------------------------------------------------------


def _cap_time(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).replace(microsecond=0).isoformat()


def cap_message(session: Session, incident: IncidentRow, sender: str, zone: ZoneInfo, place: str) -> bytes:
    """The incident's latest revision as CAP 1.2 (Alert, then Update / Cancel with references)."""
    revisions = list(
        session.scalars(
            select(IncidentRevision)
            .where(IncidentRevision.incident_id == incident.id)
            .order_by(IncidentRevision.revision)
        )
    )
    if not revisions:
        revisions = [
            IncidentRevision(revision=1, msg_type="Alert", reason="first detection", at=incident.created_at)
        ]
    latest = revisions[-1]
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")

    def sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        node.text = text
        return node

    def identifier(rev: IncidentRevision) -> str:
        return f"{sender}.incident.{incident.id}.{rev.revision}"

    sub(alert, "identifier", identifier(latest))
    sub(alert, "sender", sender)
    sub(alert, "sent", _cap_time(latest.at, zone))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", latest.msg_type)
    sub(alert, "scope", "Restricted")
    sub(alert, "restriction", i18n.text("text.cap_restriction"))
    if len(revisions) > 1:
        sub(
            alert,
            "references",
            " ".join(f"{sender},{identifier(r)},{_cap_time(r.at, zone)}" for r in revisions[:-1]),
        )
    info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
    sub(info, "language", "zh-CN")
    sub(info, "category", "Fire" if incident.hazard == "fire" else "Env")
    sub(
        info,
        "event",
        {"fire": "疑似秸秆焚烧火点", "dust": "疑似扬尘源"}.get(incident.hazard, incident.hazard),
    )
    sub(info, "responseType", "Monitor" if latest.msg_type != "Cancel" else "AllClear")
    sub(info, "urgency", "Immediate" if incident.hazard == "fire" else "Expected")
    sub(info, "severity", "Moderate" if incident.hazard == "fire" else "Minor")
    sub(info, "certainty", "Observed" if "confirmed" in latest.reason else "Likely")
    sub(info, "effective", _cap_time(incident.first_seen, zone))
    sub(info, "senderName", "firegrid")
    sub(info, "headline", f"{place} #{incident.id}: {i18n.stored_text(latest.reason)}")
    sub(
        info,
        "description",
        i18n.text(
            "text.cap_description",
            n=incident.n_detections,
            sources=i18n.labels("source_kind", incident.source_kinds),
            first=format_time(incident.first_seen, zone),
            last=format_time(incident.last_seen, zone),
        ),
    )
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    sub(area, "areaDesc", place or f"{incident.lat:.5f}N {incident.lon:.5f}E")
    sub(area, "circle", f"{incident.lat:.6f},{incident.lon:.6f} 0.5")
    body: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --- the daily bulletin ------------------------------------------------------------------------


@dataclass(frozen=True)
class BulletinWindow:
    """17:00 the day before to 17:00 the day, local time (as UTC datetimes)."""

    day: date
    since: datetime
    until: datetime


def bulletin_window(day: date, zone: ZoneInfo, cutoff: time = time(17, 0)) -> BulletinWindow:
    """The window of the bulletin of ``day``."""
    until = datetime.combine(day, cutoff, tzinfo=zone)
    return BulletinWindow(day, until - timedelta(days=1), until)


def running_bulletin_window(now: datetime, zone: ZoneInfo, cutoff: time = time(17, 0)) -> BulletinWindow:
    """The window that holds ``now`` (the page's 日报时段): after the cut-off it is tomorrow's bulletin's."""
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=1) if local.time() >= cutoff else local.date()
    return bulletin_window(day, zone, cutoff)


def bulletin(
    session: Session,
    principal: Principal,
    tree: GridTree,
    version_id: int,
    window: BulletinWindow,
    now: datetime,
) -> dict[str, Any]:
    """Totals, the ranking (townships with pushes first) and the point/cell layers for the map."""
    w = Window(window.since, window.until)
    rank = ranking(session, principal, tree, version_id, w, now)
    points = hits(session, principal, w, now)
    totals = {
        "pushed": tasks_pushed(session, principal, w),  # tasks pushed in the window, not its fires
        "confirmed": sum(r["confirmed"] for r in rank),
        "rejected": sum(r["rejected"] for r in rank),
        "overdue": sum(r["overdue"] for r in rank),
    }
    verified = totals["confirmed"] + totals["rejected"]
    totals["confirmation_rate"] = round(totals["confirmed"] / verified, 4) if verified else None
    return {
        "day": window.day.isoformat(),
        "since": window.since.isoformat(),
        "until": window.until.isoformat(),
        "totals": totals,
        "ranking": [r for r in rank if r["pushed"]],
        "quiet": sum(1 for r in rank if not r["pushed"]),  # townships without pushes (not listed)
        "points": points,
        "cells": cells(session, principal, tree, version_id, "township", w, now),
    }


COLOURS = {  # BGR
    "confirmed": (40, 40, 220),
    "overdue": (0, 140, 255),
    "rejected": (160, 160, 160),
    "handled": (60, 160, 60),
    "closed": (90, 90, 90),
}


def render_map(layers: dict[str, Any], width: int = 1000) -> bytes:
    """A PNG of township polygons (shaded by confirmed points) and the points, no basemap."""
    features = layers["cells"]["features"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    if not shapes:
        return _png(np.full((200, 400, 3), 255, np.uint8))
    x0, y0, x1, y1 = shapely.union_all(shapes).bounds
    mid = np.cos(np.radians((y0 + y1) / 2))
    scale = width / max((x1 - x0) * mid, 1e-9)
    height = max(1, int((y1 - y0) * scale))
    canvas = np.full((height + 20, width + 20, 3), 255, np.uint8)

    def px(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack(((lon - x0) * mid * scale + 10, (y1 - lat) * scale + 10)).astype(np.int32)

    top = max([f["properties"]["confirmed"] for f in features] + [1])
    for feature, shape in zip(features, shapes, strict=True):
        share = feature["properties"]["confirmed"] / top
        fill = (int(255 - 120 * share), int(255 - 200 * share), 255)
        for polygon in getattr(shape, "geoms", [shape]):
            ring = px(*np.asarray(polygon.exterior.coords).T)
            cv2.fillPoly(canvas, [ring], fill)
            cv2.polylines(canvas, [ring], True, (150, 150, 150), 1, cv2.LINE_AA)
    for f in layers["points"]["features"]:
        lon, lat = f["geometry"]["coordinates"]
        x, y = px(np.array([lon]), np.array([lat]))[0]
        colour = COLOURS.get(f["properties"]["status"], (200, 80, 0))
        cv2.circle(canvas, (int(x), int(y)), 5, colour, -1, cv2.LINE_AA)
        cv2.circle(canvas, (int(x), int(y)), 5, (255, 255, 255), 1, cv2.LINE_AA)
    return _png(canvas)


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return bytes(data.tobytes())


def task_of(session: Session, incident_id: int) -> TaskRow | None:
    """The task of an incident."""
    return session.scalars(select(TaskRow).where(TaskRow.incident_id == incident_id)).first()
