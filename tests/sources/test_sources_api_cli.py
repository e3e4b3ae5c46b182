"""Sources through the CLI (``firegrid pull``) and a real worker's scheduler."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from firegrid import sample
from firegrid.config import Settings
from firegrid.store.tables import IngestJob
from firegrid.worker.context import build_runtime
from tests.cli.test_cli import firegrid
from tests.sources.fake_firms import KEY, FakeFirms
from tests.worker.helpers import wait_for, worker_process


@pytest.mark.shared_data
def test_pull_backfill_cli(tmp_path: Path, shared_data: Path) -> None:
    with FakeFirms(shared_data) as fake:
        config = tmp_path / "sources.yaml"
        config.write_text(
            "sources:\n  - name: viirs\n    kind: firms_area\n    products: [VIIRS_SNPP_NRT]\n"
            "    bbox: [70, 5, 100, 40]\n"
        )
        os.environ["FIREGRID_FIRMS__BASE_URL"] = fake.url
        os.environ["FIREGRID_FIRMS__MAP_KEY"] = KEY
        try:
            firegrid(tmp_path, "sources", "import", str(config))
            out = json.loads(
                firegrid(
                    tmp_path, "pull", "viirs", "--since", "2025-06-21", "--until", "2025-06-28", "--json"
                ).stdout
            )
            again = json.loads(
                firegrid(
                    tmp_path, "pull", "viirs", "--since", "2025-06-21", "--until", "2025-06-28", "--json"
                ).stdout
            )
            listed = json.loads(firegrid(tmp_path, "sources", "list", "--json").stdout)
        finally:
            del os.environ["FIREGRID_FIRMS__BASE_URL"], os.environ["FIREGRID_FIRMS__MAP_KEY"]
    assert set(out) == {
        "read",
        "new",
        "duplicates",
        "suppressed",
        "unrouted",
        "incidents_new",
        "tasks_new",
        "errors",
    }
    assert out["new"] > 1000 and out["errors"] == []
    assert again["new"] == 0 and again["duplicates"] == out["new"]
    assert listed[0]["name"] == "viirs" and listed[0]["state"] == "ok" and listed[0]["runs"] == 2
    assert KEY not in json.dumps(listed)


@pytest.mark.slow
def test_the_worker_scheduler_pulls_a_watch_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n  - name: inbox\n    kind: watch_folder\n    path: inbox\n    settle_s: 0\n"
        "    cadence_s: 1\n"
    )
    firegrid(home, "sources", "import", str(config))
    env = {"FIREGRID_HOME": str(home), "FIREGRID_SOURCES_TICK_S": "1"}
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    rt = build_runtime(settings)
    with worker_process(env, tmp_path / "worker.log", "--beat", "--pool=solo"):
        (home / "inbox" / "points.csv").write_bytes(sample.path(sample.FIRE_POINTS).read_bytes())

        def ingested() -> bool:
            with rt.sessions() as session:
                job = session.scalars(select(IngestJob)).first()
                return job is not None and job.status == "done"

        wait_for(ingested, 60, "the scheduled pull of the watch folder")
    with rt.sessions() as session:
        job = session.scalars(select(IngestJob)).one()
    assert job.submitted_by == "source:inbox" and job.summary["new"] == 28
    rt.close()
