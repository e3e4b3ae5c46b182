"""The daily bulletin as one self-contained HTML page (inline CSS, the map as a data URI).

Times are shown in the configured zone (``12月5日 17:00``), labels come from the catalogue; each
column has its own format (a rate is a percentage, a median a duration, counts are counts).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from firegrid import i18n
from firegrid.localtime import format_minutes, format_range, format_time

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}
td:nth-child(2),td:nth-child(3),th{text-align:left}.totals span{margin-right:2em}
img{max-width:100%;border:1px solid #ddd}
"""
# the Content-Security-Policy allows exactly this inline style, by its hash (the map page opens a window
# and writes the bulletin into it: that window has the map page's policy)
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _columns(zone: ZoneInfo, lang: str) -> list[tuple[str, str, Callable[[Any], str]]]:
    """(key, header, format) of the ranking table."""
    plain: Callable[[Any], str] = lambda v: "—" if v is None else escape(str(v))  # noqa: E731
    return [
        ("rank", i18n.text("ui.rank", lang), plain),
        ("county", i18n.text("text.county", lang), plain),
        ("name", i18n.text("ui.name", lang), plain),
        ("pushed", i18n.text("ui.pushed", lang), plain),
        ("confirmed", i18n.text("ui.confirmed", lang), plain),
        ("straw_burning", i18n.text("ui.straw", lang), plain),
        ("rejected", i18n.text("text.rejected", lang), plain),
        ("confirmation_rate", i18n.text("ui.rate", lang), _rate),
        ("median_verify_min", i18n.text("text.median_verify", lang), lambda v: format_minutes(v, lang)),
        ("overdue", i18n.text("ui.overdue_n", lang), plain),
        (
            "first_fire",
            i18n.text("ui.first_fire", lang),
            lambda v: format_time(datetime.fromisoformat(v), zone, lang) if v else "—",
        ),
    ]


def _table(data: dict[str, Any], zone: ZoneInfo, lang: str) -> str:
    if not data["ranking"]:
        return f"<p>{i18n.text('text.bulletin_none', lang)}</p>"
    columns = _columns(zone, lang)
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{fmt(r[k])}</td>" for k, _, fmt in columns) + "</tr>" for r in data["ranking"]
    )
    quiet = data.get("quiet", 0)
    note = f"<p>{i18n.text('text.bulletin_quiet', lang, n=quiet)}</p>" if quiet else ""
    return f"<table><tr>{head}</tr>{rows}</table>{note}"


def render_bulletin(data: dict[str, Any], png: bytes, zone: ZoneInfo, lang: str = "zh") -> str:
    """HTML of ``exports.bulletin`` output with the rendered map."""
    t = data["totals"]
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    window = i18n.text("text.bulletin_window", lang, range=format_range(since, until, zone, lang))
    title = i18n.text("text.bulletin_title", lang)
    totals = [
        ("ui.pushed", str(t["pushed"])),
        ("ui.confirmed", str(t["confirmed"])),
        ("text.rejected", str(t["rejected"])),
        ("ui.rate", _rate(t["confirmation_rate"])),
        ("ui.overdue_n", str(t["overdue"])),
    ]
    spans = "".join(f"<span>{i18n.text(k, lang)} <b>{v}</b></span>" for k, v in totals)
    image = base64.b64encode(png).decode()
    html_lang = "en" if lang == "en" else "zh-CN"
    return f"""<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title} {escape(data["day"])}</title>
<style>{STYLE}</style></head><body>
<h1>{title}</h1>
<p>{escape(window)}</p>
<p class="totals">{spans}</p>
<h2>{i18n.text("ui.ranking", lang)}</h2>
{_table(data, zone, lang)}
<h2>{i18n.text("text.bulletin_map", lang)}</h2>
<img alt="{i18n.text("text.bulletin_map", lang)}" src="data:image/png;base64,{image}">
<p>{i18n.text("text.bulletin_legend", lang)}</p>
</body></html>"""
