"""Texts stored in English for the audit trail (incident revisions, suppression reasons), as people read
them: each known form is matched and rendered from the catalogue with its parameters; an unknown text is
shown as stored (an operator's own words)."""

from __future__ import annotations

import re
from collections.abc import Callable

from firegrid.i18n.domain import Labels

REVISION: Labels = {  # services.incident_state.revise: why an incident got a new CAP message
    "first_detection": ("首次发现", "first detection"),
    "new_evidence": ("新增探测", "new evidence"),
    "new_evidence_from": ("新增探测, 来源: {sources}", "new evidence from {sources}"),
    "confirmed": ("现场核实为真", "confirmed on site"),
    "rejected": ("现场核查排除: {reason}", "rejected on site: {reason}"),
    "merged_into": ("已并入事件 #{id}", "merged into incident #{id}"),
    "merged_in": ("事件 #{id} 已并入本事件", "incident #{id} merged in"),
    "split_into": ("部分探测拆分为事件 #{id}", "detections split into incident #{id}"),
    "split_from": ("由事件 #{id} 拆分而来", "split from incident #{id}"),
    "merge_undone": ("撤销合并 #{id}", "merge #{id} undone"),
    "split_undone": ("撤销拆分 #{id}", "split #{id} undone"),
}

Params = dict[str, tuple[str, str] | str]  # a value, or (label group, comma-separated codes)


def _none(_: re.Match[str]) -> Params:
    return {}


def _id(match: re.Match[str]) -> Params:
    return {"id": match["id"]}


# (stored form, catalogue key (may name groups of the match), its parameters)
FORMS: list[tuple[re.Pattern[str], str, Callable[[re.Match[str]], Params]]] = [
    (re.compile(r"^first detection$"), "revision.first_detection", _none),
    (re.compile(r"^new evidence$"), "revision.new_evidence", _none),
    (
        re.compile(r"^new evidence from (?P<s>.+)$"),
        "revision.new_evidence_from",
        lambda m: {"sources": ("source_kind", m["s"])},
    ),
    (re.compile(r"^confirmed on site$"), "revision.confirmed", _none),
    (
        re.compile(r"^rejected on site: (?P<r>\w+)$"),
        "revision.rejected",
        lambda m: {"reason": ("reason", m["r"])},
    ),
    (re.compile(r"^merged into incident (?P<id>\d+)$"), "revision.merged_into", _id),
    (re.compile(r"^incident (?P<id>\d+) merged in$"), "revision.merged_in", _id),
    (
        re.compile(r"^detections split into incident (?P<id>\d+)$"),
        "revision.split_into",
        _id,
    ),
    (re.compile(r"^split from incident (?P<id>\d+)$"), "revision.split_from", _id),
    (
        re.compile(r"^(?P<k>merge|split) (?P<id>\d+) undone$"),
        "revision.{k}_undone",
        _id,
    ),
    (re.compile(r"^inside heat source #(?P<id>\d+)"), "ui.in_heat_source", _id),
    (re.compile(r"^seasonal bare cropland"), "ui.off_season_cropland", _none),
    (re.compile(r"^spurious"), "ui.spurious_hit", _none),
]
