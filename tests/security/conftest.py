"""The API fixtures (demo home, client, admin token) for the security suites."""

from tests.api.conftest import admin, client, demo_settings

__all__ = ["admin", "client", "demo_settings"]
