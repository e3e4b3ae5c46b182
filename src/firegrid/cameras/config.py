"""The camera registry format (YAML/JSON import and API), validated with pydantic.

Credentials are references (``password_env`` / ``password_file``), never values: they are
resolved when a stream opens and never logged or returned by the API.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from firegrid.detect.dust.plume import PlumeConfig
from firegrid.errors import ConfigError, InputError
from firegrid.redact import redact_url

Point = tuple[float, float]


class StreamConfig(BaseModel):
    """Where frames come from."""

    kind: Literal["rtsp", "mjpeg", "snapshot", "file"]
    url: str  # rtsp://host/..., http://host/mjpeg, http://host/snapshot.jpg, or a local video/image path
    username: str | None = None
    password_env: str | None = None  # name of an environment variable holding the password
    password_file: Path | None = None
    timeout_s: float = Field(10.0, gt=0)
    frames_per_visit: int = Field(1, ge=1, le=50)  # frames read per preset visit (sampling)
    frame_step: int = Field(1, ge=1)  # file streams: advance this many frames per read

    def password(self) -> str | None:
        """The secret, resolved now (``ConfigError`` naming the reference when unset)."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"environment variable {self.password_env} (camera password) is not set")
            return value
        if self.password_file:
            try:
                return self.password_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"cannot read camera password file {self.password_file}: {exc}") from exc
        return None

    def resolved_url(self) -> str:
        """The URL with credentials inserted (only ever passed to the reader)."""
        password = self.password()
        if self.kind == "file" or not (self.username or password):
            return self.url
        parts = urlsplit(self.url)
        user = quote(self.username or "", safe="")
        auth = f"{user}:{quote(password or '', safe='')}@" if password else f"{user}@"
        return urlunsplit(
            (
                parts.scheme,
                auth + (parts.hostname or "") + (f":{parts.port}" if parts.port else ""),
                parts.path,
                parts.query,
                parts.fragment,
            )
        )

    def display_url(self) -> str:
        """The URL without any credentials (for logs, errors and the API)."""
        return self.url if self.kind == "file" else redact_url(self.url)


def _fractions(polygon: list[Point]) -> list[Point]:
    if len(polygon) < 3 or not all(0 <= x <= 1 and 0 <= y <= 1 for x, y in polygon):
        raise ValueError("a polygon of >= 3 points in image fractions (0..1) is needed")
    return polygon


class Region(BaseModel):
    """A region of interest of a site camera's view (image fractions): what the dust checks watch."""

    name: str = Field(min_length=1, max_length=64)
    kind: Literal["material_yard", "earthwork", "gate", "other"] = "other"
    polygon: list[Point]

    @field_validator("polygon")
    @classmethod
    def _polygon(cls, value: list[Point]) -> list[Point]:
        return _fractions(value)

    @property
    def watches_cover(self) -> bool:
        """Material yards and earthwork must be covered: their uncovered share is checked."""
        return self.kind in ("material_yard", "earthwork")


class Preset(BaseModel):
    """A PTZ preset (or the one view of a fixed camera): where the image centre points, and the FOV."""

    name: str
    preset_id: int | None = None  # the camera's own preset number for the goto call
    pan_deg: float = Field(ge=-360, le=360)  # azimuth of the image centre, degrees from true north
    tilt_deg: float = Field(0.0, ge=-90, le=90)  # positive above the horizon
    hfov_deg: float = Field(gt=0, lt=180)
    zoom: float | None = None
    masks: list[list[Point]] = Field(default_factory=list)  # no-alert polygons, image fractions 0..1
    # the horizon's height in the view (image fraction from the top): a box whose base lies above it is
    # sky (cloud, glare), since smoke rises from the ground
    horizon: float | None = Field(None, ge=0, le=1)
    regions: list[Region] = Field(default_factory=list)  # dust checks (default: the view below the horizon)

    @field_validator("masks")
    @classmethod
    def _polygons(cls, value: list[list[Point]]) -> list[list[Point]]:
        return [_fractions(polygon) for polygon in value]


class PtzConfig(BaseModel):
    """How to move a PTZ camera to a preset: an HTTP call template (ISAPI, CGI...)."""

    goto_url: str  # e.g. http://cam/ISAPI/PTZCtrl/channels/1/presets/{preset_id}/goto
    method: Literal["GET", "PUT", "POST"] = "PUT"
    settle_s: float = Field(2.0, ge=0)


class TemporalConfig(BaseModel):
    """Multi-frame confirmation (Pyronear-like defaults)."""

    frames: int = Field(5, ge=1, le=50)  # sliding window per camera + preset
    min_hits: int | None = Field(2, ge=1)  # None: (frames + 1) // 2
    conf_thresh: float = Field(0.25, ge=0, le=1)  # summed confidence / frames must exceed this
    iou_match: float = Field(0.1, ge=0, le=1)
    hysteresis: float = Field(0.8, gt=0, le=1)  # while an event is ongoing the threshold is multiplied
    static_diff: float = Field(3.0, ge=0)  # mean grey-level change vs. the reference below this: static
    reference_alpha: float = Field(0.05, gt=0, le=1)
    motion_ratio: float = Field(1.0, ge=0)  # a box's change must reach this × the frame's median change
    motion_width: int = Field(480, ge=32)  # grey image width for the motion gate (reference stored so)
    scene_change_diff: float = Field(25.0, gt=0)  # median change above this: the view changed, restart

    @property
    def hits_needed(self) -> int:
        """Frames that must contain the box."""
        return self.min_hits or (self.frames + 1) // 2


class CameraConfig(BaseModel):
    """One camera of the registry."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
    name: str = ""
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    ground_elevation_m: float = 0.0
    mast_height_m: float = Field(20.0, ge=0)
    type: Literal["ptz", "fixed"] = "fixed"
    stream: StreamConfig
    presets: list[Preset]
    ptz: PtzConfig | None = None
    patrol_interval_s: float = Field(30.0, ge=1)
    model: str | None = None  # default: settings cameras.model
    site_id: str | None = None  # a construction site this camera watches
    range_max_m: float = Field(8000.0, gt=0)
    azimuth_sigma_deg: float = Field(0.5, gt=0)
    elevation_sigma_deg: float = Field(0.25, gt=0)
    temporal: TemporalConfig = Field(default_factory=TemporalConfig)
    dust: PlumeConfig | None = None  # set to watch the view for dust plumes and uncovered soil
    enabled: bool = True

    @model_validator(mode="after")
    def _presets(self) -> CameraConfig:
        if not self.presets:
            raise ValueError("a camera needs at least one preset (its view)")
        if self.type == "fixed" and len(self.presets) != 1:
            raise ValueError("a fixed camera has exactly one preset")
        if self.type == "ptz" and len(self.presets) > 1 and self.ptz is None:
            raise ValueError("a PTZ camera with several presets needs ptz.goto_url")
        return self

    def public(self) -> dict[str, object]:
        """The definition without credential references (for the API)."""
        data = self.model_dump(mode="json")
        stream = data["stream"]
        stream.pop("password_env", None)
        stream.pop("password_file", None)
        stream["url"] = self.stream.display_url()
        if data.get("ptz"):
            data["ptz"]["goto_url"] = redact_url(data["ptz"]["goto_url"])
        return data


def load_cameras_file(path: Path) -> list[CameraConfig]:
    """Cameras of a YAML or JSON file (``cameras: [...]`` or a list); errors name the entry."""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read cameras ({exc})") from exc
    entries = document.get("cameras", []) if isinstance(document, dict) else (document or [])
    cameras = []
    for i, entry in enumerate(entries):
        try:
            cameras.append(CameraConfig.model_validate(entry))
        except Exception as exc:  # pydantic ValidationError: name the entry
            name = entry.get("id", "?") if isinstance(entry, dict) else "?"
            raise InputError(f"{path}: camera #{i + 1} ({name}): {exc}") from exc
    return cameras
