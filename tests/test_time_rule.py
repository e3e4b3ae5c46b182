"""One time rule: stored in UTC, shown to people in the configured zone as ``12月5日 17:00``.

The checks read what people get (push, SMS, robot, webhook texts, the bulletin, the watermark) and fail
on a UTC string; the formatter itself is checked at zone and year boundaries.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from firegrid.api.bulletin_page import render_bulletin
from firegrid.localtime import format_minutes, format_range, format_time, naive_local, zone_name
from firegrid.notify.sms import SmsChannel
from firegrid.notify.text import markdown, plain
from firegrid.notify.webpush import _notification
from firegrid.services.escalation import escalate_due
from firegrid.services.evidence import _lines
from firegrid.store.tables import IncidentRow, OutboxMessage, TaskEvidence, TaskRow
from firegrid.worker.context import Runtime
from tests.ops.helpers import new_task, small_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_TEXT = re.compile(r"\bUTC\b|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(?::\d{2})?Z\b|[+-]00:00\b")


def no_utc(text: str) -> None:
    found = UTC_TEXT.search(text)
    assert found is None, f"a UTC time {found.group(0) if found else ''!r} in {text!r}"


def chinese(at: datetime) -> str:
    """The expected text, written out by hand (not through the formatter under test)."""
    local = at.astimezone(SHANGHAI)
    year = "" if local.year == datetime.now(SHANGHAI).year else f"{local.year}年"
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def test_the_formatter_shows_the_zone_and_its_conventions() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert format_time(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), "Asia/Shanghai", "zh", now) == "12月5日 17:00"
    assert (
        format_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), SHANGHAI, "zh", now) == "2027年1月1日 00:30"
    )
    assert format_time(datetime(2026, 12, 5, 9, 0), SHANGHAI, "zh", now) == "12月5日 17:00"  # naive = UTC
    assert format_time(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), "Europe/London", "en", now) == "5 Dec 09:00"
    assert (
        format_time(None) == "—" and format_minutes(80) == "1 小时 20 分钟" and format_minutes(1) == "1 分钟"
    )
    assert format_minutes(45, "en") == "45 min"
    since = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert (
        format_range(since, since + timedelta(days=1), SHANGHAI, "zh", now)
        == "12月4日 17:00 至 12月5日 17:00"
    )
    assert naive_local(since, SHANGHAI) == datetime(2026, 12, 4, 17, 0)
    assert zone_name("Asia/Shanghai") == "北京时间" and zone_name("Europe/Berlin") == "Europe/Berlin"


def test_the_check_can_fail() -> None:
    for bad in ("核查截止 2026-12-05 09:00 UTC", "2026-12-05T09:00:00Z", "at 09:00Z", "+00:00"):
        with pytest.raises(AssertionError):
            no_utc(bad)


def test_pushes_sms_and_robots_show_local_time(runtime: Runtime, tmp_path: Path) -> None:
    small_world(runtime, tmp_path)
    seen = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
    task_id = new_task(runtime, "T1V1", when=seen)
    with runtime.sessions() as session:
        task = session.get_one(TaskRow, task_id)
        escalate_due(runtime.ingest, task.acknowledge_by + timedelta(minutes=1))
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        verify_by = task.verify_by
    created = next(m.payload for m in messages if m.topic == "task.created")
    assert (
        f"首次发现 {chinese(seen)}" in created["text"] and f"核查截止 {chinese(verify_by)}" in created["text"]
    )
    escalated = next(m.payload for m in messages if m.topic == "task.escalated")
    assert "签收逾期" in escalated["text"]
    digest = {"type": "digest", "items": [created, escalated]}
    for payload in (created, escalated, digest):
        for text in (
            plain(payload),
            markdown(payload),
            json.dumps(_notification(payload), ensure_ascii=False),
        ):
            no_utc(text)
    sent: list[str] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["text"])
        return httpx.Response(200, text="ok")

    sms = SmsChannel("http://sms.invalid/send", httpx.Client(transport=httpx.MockTransport(gateway)))
    assert sms.send("tel:13800000001", escalated, "k1").ok
    assert chinese(verify_by) in sent[0]
    no_utc(sent[0])


def test_the_bulletin_page_shows_local_times_and_formats_each_column() -> None:
    since = datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
    row = {
        "rank": 1,
        "county": "忻府区",
        "name": "秀容街道",
        "pushed": 3,
        "confirmed": 1,
        "straw_burning": 1,
        "rejected": 1,
        "confirmation_rate": 0.5,
        "median_verify_min": 1.0,  # a minute, not "100.0%"
        "overdue": 0,
        "first_fire": datetime(2026, 12, 5, 5, 30, tzinfo=UTC).isoformat(),
    }
    data = {
        "day": "2026-12-05",
        "since": since.isoformat(),
        "until": (since + timedelta(days=1)).isoformat(),
        "totals": {"pushed": 3, "confirmed": 1, "rejected": 1, "overdue": 0, "confirmation_rate": 0.5},
        "ranking": [row],
        "quiet": 172,
    }
    html = render_bulletin(data, b"png", SHANGHAI)
    body = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])
    no_utc(body)
    assert (
        "12月4日 17:00 至 12月5日 17:00" in body
        and chinese(datetime.fromisoformat(row["first_fire"])) in body
    )
    assert "1 分钟" in body and "100.0%" not in body and "50.0%" in body
    assert "其余 172 个乡镇本时段无推送" in body


def test_the_watermark_says_local_time_and_labelled_flags() -> None:
    received = datetime(2026, 12, 5, 9, 0, 5, tzinfo=UTC)
    evidence = TaskEvidence(
        username="insp-1", received_at=received, device_lon=112.5, device_lat=38.4, device_accuracy_m=8.0
    )
    evidence.distance_m, evidence.flags = 12.0, ["no_exif_time", "far_device"]
    lines = _lines(evidence, 7, IncidentRow(id=3), SHANGHAI)
    text = "\n".join(lines)
    no_utc(text)
    assert "2026-12-05 17:00:05 (+0800)" in text and "照片无拍摄时间, 手机位置离事件点过远" in text
    assert "no_exif_time" not in text
