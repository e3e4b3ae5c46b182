"""One message catalogue for every text a person reads: zh-CN (the default) and English.

Keys are ``<group>.<code>`` (``status.new``, ``action.on_site``, ``ui.login``, ``error.wrong_credentials``);
the JSON API keeps the codes, pushes/SMS/robots/bulletins/exports and the pages show the labels
(the pages load :func:`catalogue` from ``GET /i18n/messages.json``, so the map and the app agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from firegrid.i18n.domain import GROUPS as DOMAIN_GROUPS
from firegrid.i18n.domain import Labels
from firegrid.i18n.stored import FORMS, REVISION
from firegrid.i18n.ui import COLUMN, INCIDENT_STATUS, TEXT, UI

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
GROUPS: dict[str, Labels] = DOMAIN_GROUPS | {
    "ui": UI,
    "text": TEXT,
    "column": COLUMN,
    "incident_status": INCIDENT_STATUS,
    "revision": REVISION,
}


def lang_of(value: str | None) -> str:
    """``zh`` or ``en`` from a language tag or an ``Accept-Language`` header (first preference wins;
    anything but English is Chinese, the default)."""
    first = (value or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else DEFAULT_LANG


def has(group: str, code: str | None) -> bool:
    """Whether the catalogue labels ``code`` in ``group``."""
    return code is not None and code in GROUPS.get(group, {})


def label(group: str, code: str | None, lang: str | None = DEFAULT_LANG) -> str:
    """The label of a code (the code itself when the catalogue has none; ``—`` for None)."""
    if code is None:
        return "—"
    entry = GROUPS.get(group, {}).get(code)
    if entry is None:
        return code
    return entry[1] if lang_of(lang) == "en" else entry[0]


def labels(group: str, codes: str | Iterable[str], lang: str | None = DEFAULT_LANG, sep: str = "、") -> str:
    """Labels of several codes (a comma-separated string such as ``source_kinds``, or a list)."""
    items = codes.split(",") if isinstance(codes, str) else codes
    return sep.join(label(group, c, lang) for c in items if c)


def text(key: str, lang: str | None = DEFAULT_LANG, **params: Any) -> str:
    """A ``group.code`` message with ``{placeholders}`` filled in."""
    group, _, code = key.partition(".")
    return label(group, code, lang).format(**params)


def stored_text(value: str | None, lang: str | None = DEFAULT_LANG) -> str:
    """An audit text stored in English (an incident revision's reason, a suppression reason) in the
    reader's language; a text of no known form as stored."""
    for pattern, key, params in FORMS:
        match = pattern.match(value or "")
        if match is not None:
            values = {
                name: labels(v[0], v[1].replace(" ", ""), lang, "、" if lang_of(lang) == "zh" else ", ")
                if isinstance(v, tuple)
                else v
                for name, v in params(match).items()
            }
            return text(key.format(**match.groupdict()), lang, **values)
    return value or ""


def catalogue() -> dict[str, dict[str, str]]:
    """Every message as ``{"group.code": {"zh": ..., "en": ...}}`` (what the pages load)."""
    return {
        f"{group}.{code}": {"zh": zh, "en": en}
        for group, labels in GROUPS.items()
        for code, (zh, en) in labels.items()
    }


def coords(lat: float, lon: float, lang: str | None = DEFAULT_LANG) -> str:
    """``北纬38.79393° 东经112.86973°`` / ``38.79393°N 112.86973°E``."""
    return text("ui.lat_lon", lang, lat=f"{lat:.5f}", lon=f"{lon:.5f}")
