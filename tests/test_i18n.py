"""The message catalogue: every code a person can meet has a label in zh-CN and in English, and the pages
ask only for keys the catalogue has."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pytest

import firegrid
from firegrid import errors, i18n
from firegrid.auth.roles import Role
from firegrid.landuse import LandUseClasses
from firegrid.services.escalation import stage
from firegrid.services.evidence import PhotoFlag
from firegrid.services.stats import map_status
from firegrid.sources.schedule import HealthState
from firegrid.store.tables import TaskRow
from firegrid.types import DetectionStatus, Hazard, SourceKind
from firegrid.workflow import RejectReason, TaskAction, TaskStatus

PACKAGE = Path(firegrid.__file__).parent
WEB = PACKAGE / "web"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENUMS: list[tuple[str, type[StrEnum]]] = [
    ("status", TaskStatus),
    ("next", TaskStatus),
    ("now", TaskStatus),
    ("action", TaskAction),
    ("reason", RejectReason),
    ("flag", PhotoFlag),
    ("hazard", Hazard),
    ("hazard_title", Hazard),
    ("source_kind", SourceKind),
    ("role", Role),
    ("detection_status", DetectionStatus),
    ("source_state", HealthState),
]


def labelled(group: str, code: str) -> None:
    zh, en = i18n.label(group, code, "zh"), i18n.label(group, code, "en")
    assert i18n.has(group, code), f"{group}.{code} has no label"
    assert CJK.search(zh), f"{group}.{code}: the zh-CN label {zh!r} is not Chinese"
    assert en.strip() and not CJK.search(en), f"{group}.{code}: the English label {en!r}"


@pytest.mark.parametrize(("group", "enum"), ENUMS, ids=[f"{g}:{e.__name__}" for g, e in ENUMS])
def test_every_enum_value_has_a_label_in_both_languages(group: str, enum: type[StrEnum]) -> None:
    for member in enum:
        labelled(group, member.value)


def test_the_walk_fails_on_a_missing_label() -> None:
    with pytest.raises(AssertionError, match="no label"):
        labelled("status", "teleported")
    with pytest.raises(AssertionError, match="not Chinese"):
        labelled("ui", "language")  # "EN": the one label that is not Chinese on purpose


def test_map_statuses_stages_and_land_uses_are_labelled() -> None:
    now = datetime.now(UTC)
    for status in TaskStatus:
        task = TaskRow(status=status.value, verify_by=now - timedelta(hours=1), acknowledge_by=now)
        shown = map_status(task, now)
        labelled("status" if i18n.has("status", shown) else "map_status", shown)
        owed = stage(task)
        if owed is not None:
            labelled("stage", owed[0])
            labelled("deadline", owed[0])
    labelled("map_status", map_status(None, now))
    labelled("map_status", "suppressed")
    classes = LandUseClasses()
    for code in [*classes.cropland, *classes.vegetation, *classes.built_up]:
        use = classes.name(code)
        assert use is not None
        labelled("land_use", use)


def _error_classes(cls: type[errors.FiregridError]) -> list[type[errors.FiregridError]]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _error_classes(sub))]


def test_every_error_code_has_a_message() -> None:
    codes = {cls.code for cls in _error_classes(errors.FiregridError)}
    raised = {m for path in PACKAGE.rglob("*.py") for m in re.findall(r'code="([a-z_]+)"', path.read_text())}
    for code in sorted(codes | raised | {"invalid_request"}):
        labelled("error", code)


def test_the_pages_ask_only_for_keys_the_catalogue_has() -> None:
    known = set(i18n.catalogue())
    asked: set[str] = set()
    for path in [*WEB.glob("*/*.js"), *WEB.glob("*/*.html")]:
        text = path.read_text()
        asked |= set(re.findall(r'FG\.t\("([a-z_]+\.[a-z_]+)"', text))
        asked |= set(re.findall(r'data-t="([a-z_]+\.[a-z_]+)"', text))
        asked |= {f"ui.{k}" for k in re.findall(r'(?<![\w.])t\("([a-z_]+)"', text)}
        asked |= {f"{g}.{c}" for g, c in re.findall(r'FG\.label\("([a-z_]+)", "([a-z_]+)"\)', text)}
    assert len(asked) > 40
    assert sorted(asked - known) == []


def test_one_label_per_state_everywhere() -> None:
    catalogue = i18n.catalogue()
    assert catalogue["status.new"]["zh"] == "新任务"  # the map and the app both read this entry
    for page in ("app/app.js", "map/map.js", "map/ranking.js"):
        text = (WEB / page).read_text()
        assert "待派发" not in text and "新任务" not in text, f"{page} hard-codes a state label"


def test_language_of_a_request() -> None:
    assert i18n.lang_of(None) == "zh" and i18n.lang_of("zh-CN,zh;q=0.9") == "zh"
    assert i18n.lang_of("en-US,en;q=0.9,zh;q=0.8") == "en" and i18n.lang_of("de-DE") == "zh"
    assert i18n.text("ui.quiet_townships", "zh", n=3) == "其余 3 个乡镇无推送(点击展开)"
    assert i18n.label("status", "something_new") == "something_new"  # unknown codes pass through


def _stored_texts() -> list[str]:
    """Every English audit text the services store for people to read later: the literal and f-string
    reasons of ``revise(...)`` and of ingest's suppression, with sample values put in."""
    sources = Path(firegrid.__file__).parent / "services"
    found: list[str] = []
    for path in sources.glob("*.py"):
        code = path.read_text()
        found += re.findall(
            r'revise\(\s*session,\s*\w+,\s*(?:"\w+"|"Update" if [^,]+ else "Cancel"),\s*f?"([^"]+)"', code
        )
        found += re.findall(r'reason\.append\(\s*f?"([^"]+)"', code)
    samples = {
        "{change.kind}": "merge",
        "{verdict.reason_code}": "no_fire_found",
        "{names[source_id]}": "砖厂",
    }
    texts = []
    for text in found:
        for name, value in samples.items():
            text = text.replace(name, value)
        texts.append(re.sub(r"\{[^}]*\}", "7", text))
    return [*texts, "new evidence from satellite_geo, camera"]


def test_stored_audit_texts_read_in_chinese() -> None:
    texts = _stored_texts()
    assert len(texts) >= 10 and "first detection" in texts and "rejected on site: no_fire_found" in texts
    for text in texts:
        zh, en = i18n.stored_text(text), i18n.stored_text(text, "en")
        assert not re.search(r"[A-Za-z]{3,}", zh), (text, zh)  # no English word left
        assert en and not re.search(r"[\u4e00-\u9fff]", en.replace("砖厂", "")), (text, en)
    assert i18n.stored_text("an operator's own words") == "an operator's own words"
