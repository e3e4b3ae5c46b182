"""Browser fixtures: Debian's Chromium through Playwright, a real uvicorn server on a demo home, and pages
that block (and record) every request leaving the server, script errors and console errors."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from firegrid.api.app import create_app
from firegrid.cli.demo import prepare
from firegrid.config import Settings
from firegrid.store.db import migrate
from firegrid.worker.context import Runtime, build_runtime
from tests import servers

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        if os.environ.get("FIREGRID_REQUIRE_SERVICES") == "1":
            pytest.fail("Debian's chromium is required (FIREGRID_REQUIRE_SERVICES=1)")
        pytest.skip("chromium is not installed; `make test` installs it")


@contextmanager
def demo_server(home: Path, story: bool = False) -> Iterator[dict[str, Any]]:
    """``firegrid demo`` on ``home`` (prepared, then served by uvicorn on a free loopback port)."""
    settings = Settings(home=home, _env_file=None)  # type: ignore[call-arg]
    runtime: Runtime = build_runtime(settings)
    migrate(runtime.engine)
    notes = prepare(runtime, story=story)
    port = servers.free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    try:
        yield {"base": f"http://127.0.0.1:{port}", "runtime": runtime, "notes": notes, "settings": settings}
    finally:
        instance.should_exit = True
        thread.join(10)
        runtime.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@dataclass
class Watch:
    """What a page did wrong: requests to other hosts, script errors, console errors."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.outside + self.errors

    def expected(self, status: int) -> None:
        """The browser's own log line of an answer a step provoked on purpose (a refused login, a 409)."""
        line = f"the server responded with a status of {status}"
        assert any(line in e for e in self.errors), f"no {status} answer was logged"
        self.errors = [e for e in self.errors if line not in e]


def offline_page(browser: Any, base: str, **context_options: Any) -> tuple[Any, Any, Watch]:
    """A page whose requests to any host but the server are aborted and recorded (with script and
    console errors)."""
    context = browser.new_context(**context_options)
    watch = Watch()

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((base + "/", "blob:", "data:")) or url == base:
            route.continue_()
        else:
            watch.outside.append(url)
            route.abort()

    context.route("**/*", guard)
    context.on("page", lambda p: _watch(p, watch))
    page = context.new_page()
    return context, page, watch


def _watch(page: Any, watch: Watch) -> None:
    page.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
    page.on("console", lambda m: watch.errors.append(f"console: {m.text}") if m.type == "error" else None)
