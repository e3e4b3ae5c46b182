"""Setting groups for the service's integrations (push channels, evidence checks, Sentinel Hub, FIRMS,
cameras, scene scans, geostationary slots); ``firegrid.config.Settings`` nests them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from firegrid.detect.geostationary.params import GeoDetectorParams


class WebhookConfig(BaseModel):
    """A generic webhook that receives new tasks as HMAC-signed JSON."""

    url: str | None = None
    secret: SecretStr | None = None
    timeout_s: float = 10.0


class SmsSettings(BaseModel):
    """An SMS gateway behind an HTTP template (``{phone}``, ``{text}`` placeholders)."""

    url: str | None = None
    method: Literal["GET", "POST"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = '{"phone": "{phone}", "text": "{text}"}'
    ok_contains: str | None = None
    timeout_s: float = 10.0


class NotifySettings(BaseModel):
    """Push channels: Web Push (VAPID), WeCom/DingTalk robots (registered per cell), SMS."""

    vapid_private_key: SecretStr | None = None  # PEM; generated into home when unset
    vapid_subject: str = "mailto:ops@firegrid.invalid"
    robots: bool = True  # deliver to the WeCom/DingTalk robots registered with `firegrid robots add`
    sms: SmsSettings = Field(default_factory=SmsSettings)
    timeout_s: float = 10.0


class TaskSettings(BaseModel):
    """What the server checks on evidence photos."""

    verdict_needs_photo: bool = True
    photo_max_bytes: int = Field(15 * 1024 * 1024, gt=0)
    far_m: float = Field(500.0, gt=0)  # photo/device farther than this from the incident: flagged
    clock_gap_min: float = Field(10.0, gt=0)  # EXIF or device clock this far from the server: flagged
    # an inspector's "outside my area" may re-route only to a cell this close to the incident
    reroute_max_m: float = Field(3000.0, ge=0)


class SentinelHubSettings(BaseModel):
    """Sentinel Hub (or Copernicus Data Space) credentials and endpoints."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    base_url: str = "https://services.sentinel-hub.com"
    token_url: str = "https://services.sentinel-hub.com/auth/realms/main/protocol/openid-connect/token"
    max_attempts: int = Field(4, ge=1)
    sleep_s: float = Field(5.0, ge=0)


class FirmsSettings(BaseModel):
    """NASA FIRMS access: the MAP_KEY (secret) and the service URL."""

    map_key: SecretStr | None = None
    base_url: str = "https://firms.modaps.eosdis.nasa.gov"


class CameraSettings(BaseModel):
    """Camera patrols: default model, pool size, evidence retention, DEM, triangulation window."""

    model: str = "smoke-fire"  # the learned detector; fire-colour-baseline is a flame cue, never a pager
    threads: int = Field(1, ge=1)  # ONNX Runtime threads per session
    pool_size: int = Field(4, ge=1)  # cameras patrolled at once by `firegrid watch`
    tick_s: float = Field(10.0, gt=0)  # how often the scheduler looks for due patrols
    evidence_retention_days: float = Field(90.0, gt=0)
    dem: Path | None = None  # a GeoTIFF of terrain heights (m) for camera ray casting
    triangulation_window_min: float = Field(30.0, gt=0)
    cameras_file: Path | None = None  # YAML/JSON registry imported when `firegrid serve` starts


class ScanSettings(BaseModel):
    """Scene scanning: window size, where scenes may be read from, Sentinel-2 DN offset."""

    window_size: int = Field(1024, ge=64)
    roots: list[Path] = Field(default_factory=list)  # extra folders the API may scan (home/scenes always)
    s2_offset: float = -1000.0  # DN offset of integer Sentinel-2 band files without metadata
    read_threads: int = Field(2, ge=1)  # threads GDAL may decode one band region with (compressed files)


class GeostationarySettings(BaseModel):
    """Geostationary fire detection: the area read from each slot, where state lives, the detector."""

    bbox: tuple[float, float, float, float] | None = None  # W, S, E, N; default: the grid's extent + buffer
    buffer_km: float = Field(30.0, ge=0)
    detector: GeoDetectorParams = Field(default_factory=GeoDetectorParams)
