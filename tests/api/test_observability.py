"""Request ids in responses and logs, JSON log lines, and the Prometheus metrics the operators alert on."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from fastapi.testclient import TestClient

from firegrid.detect.objects.model import ObjectModel
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.logs import RequestIdFilter, configure, request_id


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_request_ids_reach_the_response_and_the_logs(client: TestClient, admin: dict[str, str]) -> None:
    handler = _Records()
    logger = logging.getLogger("firegrid.api.app")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        r = client.get("/tasks", headers=admin | {"X-Request-ID": "trace-42"})
        fresh = client.get("/health")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert r.headers["X-Request-ID"] == "trace-42"
    assert len(fresh.headers["X-Request-ID"]) == 32  # generated
    assert any(rec.request_id == "trace-42" and "/tasks" in rec.getMessage() for rec in handler.records)
    assert client.get("/health", headers={"X-Request-ID": "bad id\n"}).headers["X-Request-ID"] != "bad id\n"


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure("INFO", "json")
        token = request_id.set("job-7")
        logging.getLogger("firegrid.worker.tasks").info("scene %s done", 12)
        request_id.reset(token)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "scene 12 done" and line["request_id"] == "job-7"
    assert line["level"] == "INFO" and line["logger"] == "firegrid.worker.tasks"


def test_metrics_expose_what_operators_alert_on(client: TestClient, admin: dict[str, str]) -> None:
    ObjectModel(default_models_dir(), "fire-colour-baseline").detect(np.zeros((64, 64, 3), np.uint8))
    text = client.get("/metrics").text
    for name in (
        "firegrid_tasks_overdue",
        "firegrid_queue_depth",
        'firegrid_detector_seconds_count{model="fire-colour-baseline"}',
        "firegrid_detections_stored_total",
        "firegrid_outbox_messages",
        "firegrid_ingest_jobs",
        "firegrid_http_requests_total",
    ):
        assert name in text, name
