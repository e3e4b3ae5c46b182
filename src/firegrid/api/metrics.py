"""Prometheus metrics: request counters from this process, pipeline gauges read from the database.

The gauges are computed at scrape time from the database, so they are right whatever
process (API, CLI, worker) did the work.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from firegrid.store.tables import (
    DetectionRow,
    IncidentRow,
    IngestJob,
    OutboxMessage,
    SourceRow,
    TaskRow,
    utcnow,
)

OPEN_TASK_STATUSES = ("new", "dispatched", "acknowledged", "on_site")


class PipelineCollector(Collector):
    """Counts by status of detections, incidents, tasks, outbox messages and ingest jobs."""

    TABLES = (
        ("firegrid_detections", "Stored detections by status", DetectionRow),
        ("firegrid_incidents", "Incidents by status", IncidentRow),
        ("firegrid_tasks", "Tasks by status", TaskRow),
        ("firegrid_outbox_messages", "Notifications by status", OutboxMessage),
        ("firegrid_ingest_jobs", "Ingest jobs by status", IngestJob),
    )

    def __init__(self, sessions: sessionmaker[Session], queue_depth: Callable[[], int | None]) -> None:
        self.sessions = sessions
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Query the counts."""
        with self.sessions() as session:
            for name, doc, table in self.TABLES:
                family = GaugeMetricFamily(name, doc, labels=["status"])
                for status, count in session.execute(
                    select(table.status, func.count()).group_by(table.status)
                ):
                    family.add_metric([status], count)
                yield family
            overdue = session.scalar(
                select(func.count())
                .select_from(TaskRow)
                .where(TaskRow.status.in_(OPEN_TASK_STATUSES), TaskRow.verify_by < utcnow())
            )
            yield GaugeMetricFamily(
                "firegrid_tasks_overdue", "Open tasks past their verification deadline", value=overdue or 0
            )
            yield from _source_families(session)
        depth = self.queue_depth()
        if depth is not None:
            yield GaugeMetricFamily("firegrid_queue_depth", "Jobs waiting in the broker queue", value=depth)


class HttpMetrics:
    """Request count and latency by route template and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "firegrid_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "firegrid_http_request_seconds", "HTTP latency", ["method", "route"], registry=registry
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Starlette HTTP middleware."""
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.requests.labels(request.method, path, str(response.status_code)).inc()
        self.latency.labels(request.method, path).observe(time.perf_counter() - start)
        return response


def _source_families(session: Session) -> Iterator[GaugeMetricFamily]:
    """Per source: last success, last new data, newest observation, consecutive failures, alerting."""
    rows = session.scalars(select(SourceRow).order_by(SourceRow.name)).all()
    families = {
        "last_success": GaugeMetricFamily(
            "firegrid_source_last_success_timestamp_seconds",
            "Unix time of the last successful run",
            labels=["source"],
        ),
        "last_new_data": GaugeMetricFamily(
            "firegrid_source_last_new_data_timestamp_seconds",
            "Unix time of the last run that brought new data",
            labels=["source"],
        ),
        "data_time": GaugeMetricFamily(
            "firegrid_source_newest_observation_timestamp_seconds",
            "Observation time of the newest data (lag = now - this)",
            labels=["source"],
        ),
        "failures": GaugeMetricFamily(
            "firegrid_source_consecutive_failures", "Failed runs in a row", labels=["source"]
        ),
        "alerting": GaugeMetricFamily(
            "firegrid_source_alerting", "1 while the source's alarm is raised", labels=["source"]
        ),
    }
    for row in rows:
        for key, value in (
            ("last_success", row.last_success_at),
            ("last_new_data", row.last_new_data_at),
            ("data_time", row.last_data_time),
        ):
            if value is not None:
                families[key].add_metric([row.name], value.timestamp())
        families["failures"].add_metric([row.name], row.consecutive_failures)
        families["alerting"].add_metric([row.name], 1.0 if row.alerting else 0.0)
    yield from families.values()
