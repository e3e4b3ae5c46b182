"""Process-level Prometheus metrics: detector latency, ingested detections, notification failures.

They live in prometheus_client's default registry of the process that does the work: the API's ``/metrics``
includes them (detect-image and uploads run there), and ``firegrid worker --metrics-port`` serves a worker's.
With Celery's prefork pool set ``PROMETHEUS_MULTIPROC_DIR`` (the compose file does) so the pool's children
are aggregated. Database-wide counts (tasks overdue, outbox by status, queue depth) come from the API's
collector instead, and are right whatever process did the work.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess, start_http_server

DETECTOR_SECONDS = Histogram(
    "firegrid_detector_seconds",
    "Time of one detector call (ONNX session run plus pre/post-processing)",
    ["model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DETECTIONS_STORED = Counter(
    "firegrid_detections_stored", "Detections stored by the pipeline", ["source_kind"]
)
NOTIFICATION_FAILURES = Counter(
    "firegrid_notification_failures", "Failed delivery attempts (retried unless permanent)", ["channel"]
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Serve this process's metrics (aggregated over pool children in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(port, host, registry=registry)
    else:
        start_http_server(port, host, registry=REGISTRY)
