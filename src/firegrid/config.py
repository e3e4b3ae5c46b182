"""Configuration: plain models the core takes as parameters, and ``Settings`` for entrypoints.

Only entrypoints (CLI, API app factory, worker) build ``Settings`` from the environment
(``FIREGRID_*``; nested groups with ``__``, e.g. ``FIREGRID_PIPELINE__ROUTING__BUFFER_M``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from firegrid.basemap import BasemapSettings
from firegrid.detect.dust.params import DustParams
from firegrid.errors import ConfigError
from firegrid.landuse import LandUseClasses
from firegrid.settings_groups import (
    CameraSettings,
    FirmsSettings,
    GeostationarySettings,
    NotifySettings,
    ScanSettings,
    SentinelHubSettings,
    SmsSettings,
    TaskSettings,
    WebhookConfig,
)
from firegrid.sites.compliance import ComplianceRule
from firegrid.types import Hazard, SourceKind

__all__ = [  # the setting groups kept in firegrid.settings_groups (and basemap), importable from here
    "BasemapSettings",
    "CameraSettings",
    "FirmsSettings",
    "GeostationarySettings",
    "NotifySettings",
    "ScanSettings",
    "SentinelHubSettings",
    "SmsSettings",
    "TaskSettings",
    "WebhookConfig",
]

if TYPE_CHECKING:
    from firegrid.netguard import OutboundGuard


class ClusterRule(BaseModel):
    """How far apart (m) and how long apart (h) two detections of one fire may be."""

    radius_m: float = Field(800.0, gt=0)
    window_h: float = Field(6.0, gt=0)
    pixel_scale: float = Field(1.5, ge=0)  # radius grows to pixel_scale x footprint

    def radius_for(self, footprint_m: float) -> float:
        """Link radius for a detection with this footprint (NaN footprint: the base radius)."""
        if footprint_m != footprint_m:  # NaN
            return self.radius_m
        return max(self.radius_m, self.pixel_scale * footprint_m)


def _default_cluster_rules() -> dict[SourceKind, ClusterRule]:
    return {
        SourceKind.SATELLITE_PRODUCT: ClusterRule(radius_m=800, window_h=6, pixel_scale=1.5),
        SourceKind.SATELLITE_SCENE: ClusterRule(radius_m=800, window_h=6, pixel_scale=1.5),
        SourceKind.CAMERA: ClusterRule(radius_m=300, window_h=2, pixel_scale=0),  # cones fuse the rest
        SourceKind.DRONE: ClusterRule(radius_m=500, window_h=6, pixel_scale=0),
        SourceKind.MANUAL: ClusterRule(radius_m=300, window_h=24, pixel_scale=0),
        # a geostationary fire pixel (~2-4 km) is seen again every 10-15 minutes at the same place
        SourceKind.SATELLITE_GEO: ClusterRule(radius_m=3000, window_h=3, pixel_scale=1.0),
    }


def _default_hazard_cluster_rules() -> dict[Hazard, ClusterRule]:
    return {
        # a bare patch persists: a later scene's patch at the same place joins the open incident
        Hazard.DUST: ClusterRule(radius_m=100, window_h=30 * 24, pixel_scale=0.5),
        # one incident per site (site centroids are never within a metre of each other)
        Hazard.SITE_COMPLIANCE: ClusterRule(radius_m=1, window_h=365 * 24, pixel_scale=0),
    }


def _default_pair_windows() -> dict[str, float]:
    return {
        "satellite_product+satellite_scene": 6,
        "camera+satellite_product": 3,
        "camera+satellite_scene": 3,
        "drone+satellite_product": 12,
        "drone+satellite_scene": 12,
        "camera+drone": 6,
        "camera+manual": 24,
        "drone+manual": 24,
        "manual+satellite_product": 24,
        "manual+satellite_scene": 24,
        "satellite_geo+satellite_product": 6,
        "satellite_geo+satellite_scene": 6,
        "camera+satellite_geo": 3,
        "drone+satellite_geo": 12,
        "manual+satellite_geo": 24,
    }


class ClusterConfig(BaseModel):
    """Clustering rules per source kind (activefires-pp: 0.8 km / 6 h for satellite points);
    hazards other than fire have their own rule whatever the source. ``pair_windows_h``: how far
    apart in time two detections of *different* kinds may be when their footprints intersect
    (keys "kind_a+kind_b", alphabetical; others: ``cross_window_h``)."""

    rules: dict[SourceKind, ClusterRule] = Field(default_factory=_default_cluster_rules)
    hazard_rules: dict[Hazard, ClusterRule] = Field(default_factory=_default_hazard_cluster_rules)
    pair_windows_h: dict[str, float] = Field(default_factory=_default_pair_windows)
    cross_window_h: float = Field(3.0, ge=0)
    split_m: float = Field(500.0, gt=0)  # precise fixes (GPS, drone, triangulation) farther apart: two fires

    def pair_windows_s(self) -> list[list[float]]:
        """Seconds per (kind code, kind code), codes in ``SourceKind`` order; same kind: its rule."""
        kinds = list(SourceKind)
        out = []
        for a in kinds:
            row = []
            for b in kinds:
                if a == b:
                    row.append(self.rule(a.value).window_h * 3600.0)
                else:
                    key = "+".join(sorted((a.value, b.value)))
                    row.append(self.pair_windows_h.get(key, self.cross_window_h) * 3600.0)
            out.append(row)
        return out

    def rule(self, kind: str, hazard: str = Hazard.FIRE.value) -> ClusterRule:
        """The rule for a hazard (if it has one) or a source kind (satellite-product rule if unknown)."""
        if hazard != Hazard.FIRE and Hazard(hazard) in self.hazard_rules:
            return self.hazard_rules[Hazard(hazard)]
        return self.rules.get(SourceKind(kind), self.rules[SourceKind.SATELLITE_PRODUCT])


class DeadlineRule(BaseModel):
    """Task deadlines: acknowledge within minutes; on site within minutes (optional); verify within
    minutes or by the end of the bulletin day."""

    acknowledge_min: int = Field(60, gt=0)
    on_site_min: int | None = Field(None, gt=0)
    verify_min: int = Field(24 * 60, gt=0)
    verify_same_day: bool = False
    same_day_cutoff: time = time(17, 0)  # Hebei-style 17:00 bulletin window

    def verify_deadline(self, created: datetime, tz: ZoneInfo) -> datetime:
        """When the verdict is due for a task created at ``created`` (aware)."""
        if not self.verify_same_day:
            return created + timedelta(minutes=self.verify_min)
        local = created.astimezone(tz)
        cutoff = datetime.combine(local.date(), self.same_day_cutoff, tzinfo=tz)
        if local > cutoff - timedelta(hours=2):  # too late today: tomorrow's cutoff
            cutoff += timedelta(days=1)
        return cutoff


def _default_deadlines() -> dict[SourceKind, DeadlineRule]:
    return {
        SourceKind.SATELLITE_PRODUCT: DeadlineRule(acknowledge_min=120, verify_same_day=True),
        SourceKind.SATELLITE_SCENE: DeadlineRule(acknowledge_min=120, verify_same_day=True),
        SourceKind.CAMERA: DeadlineRule(acknowledge_min=15, on_site_min=60, verify_min=120),
        SourceKind.DRONE: DeadlineRule(acknowledge_min=30, on_site_min=90, verify_min=180),
        SourceKind.MANUAL: DeadlineRule(acknowledge_min=60, verify_min=24 * 60),
        # seen burning minutes ago: treated like a camera alarm, not like a bulletin point
        SourceKind.SATELLITE_GEO: DeadlineRule(acknowledge_min=15, on_site_min=60, verify_min=120),
    }


def _default_hazard_deadlines() -> dict[Hazard, DeadlineRule]:
    return {
        Hazard.DUST: DeadlineRule(acknowledge_min=24 * 60, verify_min=3 * 24 * 60),
        Hazard.SITE_COMPLIANCE: DeadlineRule(acknowledge_min=24 * 60, verify_min=7 * 24 * 60),
    }


class DeadlineConfig(BaseModel):
    """Deadline rules per source kind; hazards other than fire have their own."""

    rules: dict[SourceKind, DeadlineRule] = Field(default_factory=_default_deadlines)
    hazard_rules: dict[Hazard, DeadlineRule] = Field(default_factory=_default_hazard_deadlines)

    def rule(self, kind: str, hazard: str = Hazard.FIRE.value) -> DeadlineRule:
        """The rule for a hazard (if it has one) or a source kind."""
        if hazard != Hazard.FIRE and Hazard(hazard) in self.hazard_rules:
            return self.hazard_rules[Hazard(hazard)]
        return self.rules.get(SourceKind(kind), DeadlineRule())


class EscalationStep(BaseModel):
    """Who hears of a missed deadline, and how long after it."""

    role: Literal["chief", "township_reviewer", "county_operator"]
    after_min: float = Field(ge=0)


def _default_escalation() -> list[EscalationStep]:
    return [
        EscalationStep(role="chief", after_min=0),
        EscalationStep(role="township_reviewer", after_min=30),
        EscalationStep(role="county_operator", after_min=120),
    ]


class EscalationConfig(BaseModel):
    """Escalation up the grid tree (chief -> township -> county) when a deadline is missed."""

    steps: list[EscalationStep] = Field(default_factory=_default_escalation)
    sms: bool = True  # escalations also go by SMS when an SMS gateway is configured


class DustPolicy(BaseModel):
    """When dust detections page: bare cropland only in these months (1-12), e.g. the spring
    wind season; outside them it is stored as suppressed with the reason."""

    cropland_page_months: list[int] = Field(default_factory=lambda: [3, 4, 5])


class PipelineConfig(BaseModel):
    """Everything the ingest pipeline needs, passed explicitly to the core."""

    route_buffer_m: float = Field(500.0, ge=0)
    heat_source_default_radius_m: float = Field(1000.0, gt=0)
    # the largest circle radius (or polygon extent from its centre) anyone but an admin may register
    heat_source_max_radius_m: float = Field(5000.0, gt=0)
    timezone: str = "Asia/Shanghai"  # what people read is shown in this zone (firegrid.localtime)
    language: str = "zh-CN"  # of pushes, SMS, robots, bulletins and exports: zh-CN or en
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    deadlines: DeadlineConfig = Field(default_factory=DeadlineConfig)
    dust: DustPolicy = Field(default_factory=DustPolicy)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    public_url: str = "http://127.0.0.1:8000"  # links in notifications (the inspector app)
    landcover: Path | None = None  # a land-cover GeoTIFF (e.g. ESA WorldCover) for land-use gating
    landcover_classes: LandUseClasses = Field(default_factory=LandUseClasses)

    @property
    def zone(self) -> ZoneInfo:
        """The local time zone of the bureau (bulletin times, same-day deadlines)."""
        return ZoneInfo(self.timezone)


class Settings(BaseSettings):
    """Service settings from ``FIREGRID_*`` environment variables (and ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="FIREGRID_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        env_ignore_empty=True,
    )

    env: Literal["development", "production"] = "development"
    home: Path = Path("var")
    database_url: str | None = None  # default: sqlite file under home
    broker_url: str | None = None  # default: durable SQLite broker under home
    secret_key: SecretStr | None = None  # JWT signing key; generated into home in development
    token_ttl_min: int = Field(12 * 60, gt=0)
    host: str = "127.0.0.1"
    port: int = 8000
    upload_max_bytes: int = Field(200 * 1024 * 1024, gt=0)
    body_max_bytes: int = Field(2 * 1024 * 1024, gt=0)  # any other request body (JSON); 413 above
    heavy_workers: int = Field(2, ge=1)  # uploads parsed or photos decoded at once per API process
    outbox_sweep_s: float = Field(30.0, gt=0)
    stale_job_min: float = Field(15.0, gt=0)
    log_level: str = "INFO"
    log_format: Literal["plain", "json"] = "plain"  # json: one object per line, with request ids
    models_dir: Path | None = None  # default: models/ of the source checkout
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    sentinelhub: SentinelHubSettings = Field(default_factory=SentinelHubSettings)
    firms: FirmsSettings = Field(default_factory=FirmsSettings)
    cameras: CameraSettings = Field(default_factory=CameraSettings)
    geostationary: GeostationarySettings = Field(default_factory=GeostationarySettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    tasks: TaskSettings = Field(default_factory=TaskSettings)
    basemap: BasemapSettings = Field(default_factory=BasemapSettings)  # the pages' tiles (and CSP origins)
    escalation_tick_s: float = Field(60.0, gt=0)  # how often the worker looks for missed deadlines
    dust: DustParams = Field(default_factory=DustParams)
    sites: ComplianceRule = Field(default_factory=ComplianceRule)
    sites_check_s: float = Field(3600.0, gt=0)  # how often the worker runs the site compliance check
    sources_file: Path | None = None  # YAML with `sources: [...]`, loaded at start
    sources_tick_s: float = Field(30.0, gt=0)  # how often the scheduler looks for due sources
    scheduler_lease_s: float = Field(30.0, ge=3)  # a dead scheduler's successor takes over after this
    # private/loopback ranges that camera, robot and push URLs may reach (SSRF guard; camera LANs go here)
    allowed_networks: list[str] = Field(default_factory=list)
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)  # still accepted for JWTs (rotation)
    login_max_failures: int = Field(5, ge=1)  # failed logins per user name and address within the window
    login_window_min: float = Field(15.0, gt=0)

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env == "production" and self.secret_key is None:
            raise ConfigError("FIREGRID_SECRET_KEY must be set when FIREGRID_ENV=production")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ConfigError("FIREGRID_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL (SQLite file under ``home`` unless set)."""
        return self.database_url or f"sqlite:///{(self.home / 'firegrid.sqlite').resolve()}"

    @property
    def celery_broker_url(self) -> str:
        """The Celery broker URL (a SQLite-backed kombu transport under ``home`` unless set)."""
        return self.broker_url or f"sqla+sqlite:///{(self.home / 'broker.sqlite').resolve()}"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files are kept (ingest evidence)."""
        return self.home / "uploads"

    @property
    def pulls_dir(self) -> Path:
        """Where pulled files are kept (the evidence of what a source returned)."""
        return self.home / "pulls"

    @property
    def evidence_dir(self) -> Path:
        """Evidence images (camera events, drone detections)."""
        return self.home / "evidence"

    @property
    def geostationary_dir(self) -> Path:
        """Geostationary state: each grid's temporal background, slots being downloaded."""
        return self.home / "geostationary"

    @property
    def scenes_dir(self) -> Path:
        """Where downloaded scenes are kept; always allowed for the API."""
        return self.home / "scenes"

    @property
    def inbox_dir(self) -> Path:
        """The default watch folder (``FIREGRID_HOME/inbox``)."""
        return self.home / "inbox"

    def data_roots(self) -> list[Path]:
        """Folders that paths named over the API (scenes, camera files, watch folders) may lie under:
        ``home/scenes``, ``home/inbox``, ``home/geo-inbox``, ``home/cameras`` and ``FIREGRID_SCAN__ROOTS``.
        Never ``home`` itself: it holds the database and the signing key."""
        home = [self.scenes_dir, self.inbox_dir, self.home / "geo-inbox", self.home / "cameras"]
        return [*home, *self.scan.roots]

    def vapid_key(self) -> str:
        """The VAPID private key (PEM); generated once into ``home`` when not configured."""
        from firegrid.notify.webpush import ensure_vapid_key

        if self.notify.vapid_private_key is not None:
            return self.notify.vapid_private_key.get_secret_value()
        return ensure_vapid_key(self.home / "vapid_private.pem")

    def models_path(self) -> Path:
        """The folder with the ONNX graphs and manifests."""
        from firegrid.detect.satellite.runtime import default_models_dir

        return self.models_dir or default_models_dir()

    def guard(self) -> OutboundGuard:
        """The outbound-request guard (SSRF) for user-supplied URLs."""
        from firegrid.netguard import OutboundGuard

        return OutboundGuard(self.allowed_networks)

    def jwt_keys(self) -> list[str]:
        """Keys that verify a JWT: the current one first, then the previous ones (rotation)."""
        return [self.jwt_key(), *(k.get_secret_value() for k in self.previous_secret_keys)]

    def jwt_key(self) -> str:
        """The JWT key; in development one is generated once and kept in ``home``."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.home / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
