"""The daily bulletin as one self-contained HTML page (inline CSS, the map as a data URI)."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

STATUS_ZH = {
    "confirmed": "查实",
    "rejected": "查否",
    "overdue": "逾期",
    "handled": "已处置",
    "closed": "已销号",
    "new": "待派发",
    "dispatched": "已派发",
    "acknowledged": "已签收",
    "on_site": "已到场",
}


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1 else f"{value:.1f}"
    return escape(str(value))


def render_bulletin(data: dict[str, Any], png: bytes) -> str:
    """HTML of ``exports.bulletin`` output with the rendered map."""
    t = data["totals"]
    rate = f"{t['confirmation_rate']:.1%}" if t["confirmation_rate"] is not None else "—"
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_cell(r[k])}</td>"
            for k in (
                "rank",
                "county",
                "name",
                "pushed",
                "confirmed",
                "straw_burning",
                "rejected",
                "confirmation_rate",
                "median_verify_min",
                "overdue",
                "first_fire",
            )
        )
        + "</tr>"
        for r in data["ranking"]
    )
    image = base64.b64encode(png).decode()
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>露天焚烧火点与扬尘核查日报 {escape(data["day"])}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #bbb;padding:4px 8px;text-align:right}}
td:nth-child(2),td:nth-child(3),th{{text-align:left}}.totals span{{margin-right:2em}}
img{{max-width:100%;border:1px solid #ddd}}
</style></head><body>
<h1>露天焚烧火点与扬尘核查日报</h1>
<p>统计时段 (当地时间 17:00 至 17:00): {escape(data["since"])} — {escape(data["until"])}</p>
<p class="totals"><span>推送 {t["pushed"]}</span><span>查实 {t["confirmed"]}</span>
<span>查否 {t["rejected"]}</span>
<span>查实率 {rate}</span><span>逾期 {t["overdue"]}</span></p>
<h2>乡镇排名</h2>
<table><tr><th>名次</th><th>县(市、区)</th><th>乡镇</th><th>推送</th><th>查实</th><th>秸秆焚烧</th><th>查否</th><th>查实率</th>
<th>核查用时中位数(分)</th><th>逾期</th><th>首个火点</th></tr>{rows}</table>
<h2>分布图</h2>
<img alt="map" src="data:image/png;base64,{image}">
<p>点位颜色: 红 查实 · 橙 逾期 · 灰 查否 · 绿 已处置 · 蓝 其他; 乡镇底色按查实数量. 由 firegrid 生成.</p>
</body></html>"""
