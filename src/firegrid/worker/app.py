"""The Celery app factory and the producer side (``TaskQueue``).

Embedded default: a durable SQLite-backed kombu transport under ``FIREGRID_HOME``;
``FIREGRID_BROKER_URL=redis://...`` switches to Redis. Tasks are acked late and
rejected (requeued) when a worker process dies, and every task is idempotent.
"""

from __future__ import annotations

from celery import Celery
from kombu.exceptions import ChannelError

from firegrid.config import Settings

INGEST_TASK = "firegrid.ingest_job"
DELIVER_TASK = "firegrid.deliver"
SWEEP_TASK = "firegrid.sweep"
SCENE_TASK = "firegrid.scene_job"
WINDOW_TASK = "firegrid.scene_window"
FINISH_SCENE_TASK = "firegrid.scene_finish"
SOURCES_TICK_TASK = "firegrid.sources_tick"
PULL_TASK = "firegrid.pull_source"
CAMERAS_TICK_TASK = "firegrid.cameras_tick"
PATROL_TASK = "firegrid.patrol_camera"
SITES_CHECK_TASK = "firegrid.sites_check"
ESCALATE_TASK = "firegrid.escalate"


def create_celery(settings: Settings) -> Celery:
    """A configured Celery app bound to ``settings``."""
    settings.home.mkdir(parents=True, exist_ok=True)
    app = Celery("firegrid", broker=settings.celery_broker_url, include=["firegrid.worker.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={
            "sweep": {"task": SWEEP_TASK, "schedule": settings.outbox_sweep_s},
            "sources": {"task": SOURCES_TICK_TASK, "schedule": settings.sources_tick_s},
            "cameras": {"task": CAMERAS_TICK_TASK, "schedule": settings.cameras.tick_s},
            "sites": {"task": SITES_CHECK_TASK, "schedule": settings.sites_check_s},
            "escalate": {"task": ESCALATE_TASK, "schedule": settings.escalation_tick_s},
        },
        beat_scheduler="firegrid.worker.beat:LeasedScheduler",  # one scheduler at a time (a DB lease)
        beat_max_loop_interval=settings.scheduler_lease_s / 3,
    )
    if settings.celery_broker_url.startswith("redis"):
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
    else:
        _poll_sqlite_broker_faster()
    app.firegrid_settings = settings  # read by tasks through self.app
    return app


def _poll_sqlite_broker_faster(interval_s: float = 0.05) -> None:
    """The embedded SQLite broker is polled, and the worker sleeps one polling interval after each task
    (kombu's default 1 s made a burst of 1,000 notification tasks take 17 minutes). kombu's SQLAlchemy
    transport hands every transport option to ``create_engine``, so the interval is set on the class."""
    from kombu.transport.sqlalchemy import Transport

    Transport.polling_interval = interval_s


class TaskQueue:
    """Sends firegrid tasks by name (the API and CLI never import task functions)."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def ingest(self, job_id: int) -> None:
        """Queue an ingest job."""
        self.app.send_task(INGEST_TASK, args=[job_id])

    def deliver(self, outbox_id: int) -> None:
        """Queue one notification delivery."""
        self.app.send_task(DELIVER_TASK, args=[outbox_id])

    def scene(self, job_id: int) -> None:
        """Queue a scene job (download if needed, then split into windows)."""
        self.app.send_task(SCENE_TASK, args=[job_id])

    def pull(self, name: str) -> None:
        """Queue one run of a source now."""
        self.app.send_task(PULL_TASK, args=[name])

    def sweep(self) -> None:
        """Queue a sweep now (due notifications, stale jobs)."""
        self.app.send_task(SWEEP_TASK)

    def depth(self) -> int | None:
        """Messages waiting in the default queue (None when the broker cannot say)."""
        try:
            with self.app.connection_for_read() as connection, connection.channel() as channel:
                declared = channel.queue_declare(queue=self.app.conf.task_default_queue, passive=True)
                return int(declared.message_count)
        except ChannelError:  # the broker answered "no such queue": Redis deletes a queue once it is empty
            return 0
        except Exception:  # a metric, never an error
            return None

    def ping(self) -> bool:
        """True when the broker accepts a connection."""
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            return True
        except Exception:  # any broker error means "not ready"
            return False
