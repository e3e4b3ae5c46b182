"""Per-process resources for workers and the API: engine, sessions, grid cache, channels.

Built lazily in each process (after a prefork fork), never at import.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from firegrid.config import Settings
from firegrid.landuse import LandUse
from firegrid.notify.channels import Channel, LogChannel, WebhookChannel
from firegrid.notify.robots import DingTalkChannel, WeComChannel
from firegrid.notify.sms import SmsChannel
from firegrid.notify.webpush import WebPushChannel
from firegrid.services.camera_events import EventContext
from firegrid.services.cameras import CameraContext
from firegrid.services.geostationary import GeoContext
from firegrid.services.grid import GridCache
from firegrid.services.ingest import IngestContext
from firegrid.services.notify_store import NotifyStore
from firegrid.services.pulls import SourceContext
from firegrid.services.scenes import ScanContext
from firegrid.store.db import make_engine, session_factory


@dataclass
class Runtime:
    """What a process needs to run the pipeline and deliver notifications."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    grids: GridCache
    channels: dict[str, Channel]
    http: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=True))
    land_use: LandUse | None = None

    @property
    def ingest(self) -> IngestContext:
        """The pipeline context."""
        return IngestContext(
            self.sessions, self.settings.pipeline, self.grids, tuple(self.channels), land_use=self.land_use
        )

    @property
    def scan(self) -> ScanContext:
        """The scene-scanning context."""
        scan = self.settings.scan
        return ScanContext(
            self.ingest,
            self.settings.models_path(),
            scan.window_size,
            scan.s2_offset,
            self.settings.sentinelhub,
            self.settings.data_roots(),
            dust=self.settings.dust,
            work_dir=self.settings.home / "scene-work",
            read_threads=scan.read_threads,
        )

    @property
    def geostationary(self) -> GeoContext:
        """The geostationary slot context (detector settings, temporal background under home)."""
        return GeoContext(self.ingest, self.settings.geostationary, self.settings.geostationary_dir)

    def sources(self, enqueue_scene: Callable[[int], None]) -> SourceContext:
        """The acquisition context; ``enqueue_scene`` queues scene jobs (or runs them in place)."""
        return SourceContext(self.settings, self.ingest, self.scan, enqueue_scene, self.http)

    def cameras(self) -> CameraContext:
        """The patrol context."""
        c = self.settings.cameras
        events = EventContext(
            self.ingest, self.settings.evidence_dir, c.dem, timedelta(minutes=c.triangulation_window_min)
        )
        return CameraContext(
            events, self.settings.models_path(), c.model, self.settings.home / "cameras", c.threads, self.http
        )

    def close(self) -> None:
        """Release connections and HTTP clients."""
        for channel in self.channels.values():
            client = getattr(channel, "client", None)
            if isinstance(client, httpx.Client):
                client.close()
        self.http.close()
        self.engine.dispose()


def build_channels(settings: Settings, sessions: sessionmaker[Session]) -> dict[str, Channel]:
    """The enabled channels: log and Web Push always, robots unless disabled, webhook and SMS when
    configured."""
    channels: dict[str, Channel] = {"log": LogChannel()}
    guard = settings.guard()
    hook = settings.webhook
    if hook.url:
        secret = hook.secret.get_secret_value() if hook.secret else None
        channels["webhook"] = WebhookChannel(hook.url, secret, guard.client(timeout=hook.timeout_s))
    store = NotifyStore(sessions)
    notify = settings.notify
    channels["webpush"] = WebPushChannel(
        settings.vapid_key(),
        notify.vapid_subject,
        store.subscriptions,
        store.forget,
        store.touch,
        notify.timeout_s,
        lambda url: guard.check_url(url, "web push endpoint"),
    )
    if notify.robots:
        client = guard.client(timeout=notify.timeout_s)
        channels["wecom"] = WeComChannel(store.robot, client)
        channels["dingtalk"] = DingTalkChannel(store.robot, client)
    sms = notify.sms
    if sms.url:
        channels["sms"] = SmsChannel(
            sms.url, guard.client(timeout=sms.timeout_s), sms.method, sms.headers, sms.body, sms.ok_contains
        )
    return channels


def build_runtime(settings: Settings) -> Runtime:
    """A fresh runtime for this process."""
    engine = make_engine(settings.db_url)
    sessions = session_factory(engine)
    pipeline = settings.pipeline
    return Runtime(
        settings,
        engine,
        sessions,
        GridCache(pipeline.route_buffer_m),
        build_channels(settings, sessions),
        http=settings.guard().client(follow_redirects=True),
        land_use=LandUse(pipeline.landcover, pipeline.landcover_classes) if pipeline.landcover else None,
    )


_lock = threading.Lock()
_runtimes: dict[tuple[int, int], Runtime] = {}


def runtime_for(settings: Settings) -> Runtime:
    """The runtime of this process for ``settings`` (rebuilt after a fork)."""
    key = (os.getpid(), id(settings))
    with _lock:
        if key not in _runtimes:
            _runtimes[key] = build_runtime(settings)
        return _runtimes[key]
