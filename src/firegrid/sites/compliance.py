"""The site video/monitor rule as a pure function of a site's facts and the clock.

A site of ``threshold_m2`` (5000 m2) or more must have at least one online camera, and a
PM10 monitor that reports when ``require_monitor`` is set. The geodesic area of a
digitised polygon carries about +-4 % from 1 m vertex error at 5000 m2
(``shared/reference/dust-sources.md`` section 5.1), so sites within ``review_band`` of the
threshold are *review*: listed for a person to check the permit, not paged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

Requirement = Literal["required", "review", "exempt"]
CHECKED_STATUSES = ("active", "suspended")


class ComplianceRule(BaseModel):
    """Thresholds of the rule (configurable per bureau)."""

    threshold_m2: float = Field(5000.0, gt=0)
    review_band: float = Field(0.04, ge=0, lt=1)
    camera_offline_h: float = Field(24.0, gt=0)
    require_monitor: bool = False
    monitor_offline_h: float = Field(24.0, gt=0)


@dataclass(frozen=True)
class CameraFact:
    """What the registry knows of a camera linked to the site."""

    id: str
    enabled: bool
    last_frame_at: datetime | None


@dataclass(frozen=True)
class SiteFacts:
    """A site's area, status, cameras and monitors (last report times)."""

    site_id: str
    area_m2: float
    status: str
    cameras: list[CameraFact] = field(default_factory=list)
    monitors: dict[str, datetime | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """A broken rule: kind (no_camera, camera_offline, no_monitor, monitor_offline) and why."""

    kind: str
    detail: str


@dataclass(frozen=True)
class SiteCompliance:
    """The verdict for one site."""

    site_id: str
    area_m2: float
    requirement: Requirement
    violations: list[Violation]


def requirement(area_m2: float, rule: ComplianceRule) -> Requirement:
    """Required above the band, review inside it, exempt below it."""
    if area_m2 >= rule.threshold_m2 * (1 + rule.review_band):
        return "required"
    if area_m2 >= rule.threshold_m2 * (1 - rule.review_band):
        return "review"
    return "exempt"


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "never"
    return f"{(now - then).total_seconds() / 3600:.1f} h ago"


def check(facts: SiteFacts, rule: ComplianceRule, now: datetime) -> SiteCompliance:
    """Violations of a required, active (or suspended) site; none for the others."""
    need = requirement(facts.area_m2, rule)
    violations: list[Violation] = []
    if need == "required" and facts.status in CHECKED_STATUSES:
        violations += _camera_violations(facts, rule, now)
        if rule.require_monitor:
            violations += _monitor_violations(facts, rule, now)
    return SiteCompliance(facts.site_id, facts.area_m2, need, violations)


def _camera_violations(facts: SiteFacts, rule: ComplianceRule, now: datetime) -> list[Violation]:
    cameras = [c for c in facts.cameras if c.enabled]
    if not cameras:
        return [Violation("no_camera", f"{facts.area_m2:.0f} m2 site has no camera registered")]
    limit = now - timedelta(hours=rule.camera_offline_h)
    if any(c.last_frame_at is not None and c.last_frame_at >= limit for c in cameras):
        return []
    seen = ", ".join(f"{c.id} last frame {_ago(now, c.last_frame_at)}" for c in cameras)
    return [Violation("camera_offline", f"no camera online in the last {rule.camera_offline_h:g} h ({seen})")]


def _monitor_violations(facts: SiteFacts, rule: ComplianceRule, now: datetime) -> list[Violation]:
    if not facts.monitors:
        return [Violation("no_monitor", "no PM10 monitor registered")]
    limit = now - timedelta(hours=rule.monitor_offline_h)
    if any(t is not None and t >= limit for t in facts.monitors.values()):
        return []
    seen = ", ".join(f"{mn} last reading {_ago(now, t)}" for mn, t in facts.monitors.items())
    return [
        Violation("monitor_offline", f"no PM10 reading in the last {rule.monitor_offline_h:g} h ({seen})")
    ]
