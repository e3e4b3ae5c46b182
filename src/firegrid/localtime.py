"""One rule for the times people read: stored in UTC, shown in the configured zone with its conventions.

Every text a person reads (pushes, SMS, robots, the pages, bulletins, exports, watermarks) formats its
times here; the JSON API keeps ISO 8601 for machines. The zone is ``FIREGRID_PIPELINE__TIMEZONE``
(``Asia/Shanghai`` by default). The pages follow the same rule in ``web/static/common.js``
(``FG.fmtTime``, ``Intl.DateTimeFormat`` with the zone the server announces).

* zh-CN: ``12月5日 17:00``; ``2025年12月5日 17:00`` when it is not this year;
* en: ``5 Dec 17:00``; ``5 Dec 2025 17:00`` when it is not this year.

Spreadsheets get :func:`naive_local` values: real date cells showing local wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
BEIJING_TIME = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_of(zone: ZoneInfo | str | None) -> ZoneInfo:
    """A ``ZoneInfo`` from a name (``None``: the default zone)."""
    if isinstance(zone, ZoneInfo):
        return zone
    return ZoneInfo(zone or DEFAULT_ZONE)


def is_english(lang: str | None) -> bool:
    """``en``, ``en-GB``, ... (anything else is Chinese, the default)."""
    return bool(lang) and str(lang).lower().startswith("en")


def zone_name(zone: ZoneInfo | str | None, lang: str | None = "zh") -> str:
    """What to call the zone in a header: ``北京时间`` / ``Beijing time`` for China, else its name."""
    key = zone_of(zone).key
    if key in BEIJING_TIME:
        return "Beijing time" if is_english(lang) else "北京时间"
    return key


def local(value: datetime, zone: ZoneInfo | str | None = None) -> datetime:
    """The aware local time of a stored time (a naive value is UTC, as the database stores it)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone_of(zone))


def naive_local(value: datetime | None, zone: ZoneInfo | str | None = None) -> datetime | None:
    """Local wall-clock time without a zone, for spreadsheet date cells (seconds kept)."""
    if value is None:
        return None
    return local(value, zone).replace(tzinfo=None, microsecond=0)


def format_day(day: date, lang: str | None = "zh", *, year: bool = False) -> str:
    """``12月5日`` / ``5 Dec`` (with the year when asked)."""
    if is_english(lang):
        text = f"{day.day} {MONTHS_EN[day.month - 1]}"
        return f"{text} {day.year}" if year else text
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def format_time(
    value: datetime | None,
    zone: ZoneInfo | str | None = None,
    lang: str | None = "zh",
    now: datetime | None = None,
    *,
    seconds: bool = False,
) -> str:
    """``12月5日 17:00`` in the zone; the year is added when it differs from ``now``'s; ``—`` for None."""
    if value is None:
        return "—"
    at = local(value, zone)
    this_year = local(now or datetime.now(UTC), zone).year
    clock = f"{at:%H:%M:%S}" if seconds else f"{at:%H:%M}"
    return f"{format_day(at.date(), lang, year=at.year != this_year)} {clock}"


def format_range(
    since: datetime,
    until: datetime,
    zone: ZoneInfo | str | None = None,
    lang: str | None = "zh",
    now: datetime | None = None,
) -> str:
    """``12月4日 17:00 至 12月5日 17:00`` (``… to …`` in English)."""
    joiner = " to " if is_english(lang) else " 至 "
    return format_time(since, zone, lang, now) + joiner + format_time(until, zone, lang, now)


def format_minutes(minutes: float | None, lang: str | None = "zh") -> str:
    """A duration for people: ``45 分钟``, ``2 小时 5 分钟`` (``45 min``, ``2 h 5 min``)."""
    if minutes is None:
        return "—"
    total = round(minutes)
    hours, mins = divmod(total, 60)
    h, m = ("h", "min") if is_english(lang) else ("小时", "分钟")
    if hours:
        return f"{hours} {h} {mins} {m}" if mins else f"{hours} {h}"
    return f"{mins} {m}"
