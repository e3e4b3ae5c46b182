"""The map layers' SQL gives the same answers on PostgreSQL + PostGIS as on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from firegrid import sample
from firegrid.auth.roles import Principal, Role
from firegrid.config import Settings
from firegrid.services import cell_stats, hitmap, stats
from firegrid.services.grid import import_grid, load_tree
from firegrid.store.db import migrate, transaction
from firegrid.worker.context import build_runtime
from tests.services.map_seed import NOW, seed_incidents

pytestmark = pytest.mark.services

ADMIN = Principal("admin", Role.ADMIN, None, None)
VIEWS = [
    ((110.94, 38.13, 113.97, 39.66), 8),
    ((110.94, 38.13, 113.97, 39.66), 10),
    ((112.3, 38.2, 112.9, 38.6), 12),
]


def layers(database_url: str | None, home: Path) -> dict[str, Any]:
    settings = Settings(home=home, database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    with transaction(runtime.sessions) as session:
        version, _ = import_grid(session, sample.path(sample.GRID))
        tree = load_tree(session, version.id)
        seed_incidents(session, tree, 1200, seed=7, suppressed=80)
    township = next(c for c in tree if c.level == "township")
    reviewer = Principal("rev", Role.TOWNSHIP_REVIEWER, 1, (tree.path(township.code),))
    out: dict[str, Any] = {}
    with runtime.sessions() as session:
        out["postgis"] = hitmap._has_geom(session)
        for box, zoom in VIEWS:
            for who in (ADMIN, reviewer):
                layer = hitmap.hit_map(session, who, stats.Window(), hitmap.view(box, zoom), NOW, True)
                out[f"hitmap {zoom} {who.name}"] = layer
        w = stats.Window(since=NOW.replace(day=5), hazard="fire")
        out["ranking"] = cell_stats.ranking(session, ADMIN, tree, version.id, stats.Window(), NOW)
        out["shading"] = cell_stats.shading(session, ADMIN, tree, version.id, "village", w, NOW)
        out["version"] = stats.data_version(session, True)
    runtime.close()
    return out


def test_map_layers_agree_on_postgis_and_sqlite(pg_database: str, tmp_path: Path) -> None:
    on_pg = layers(pg_database, tmp_path / "pg")
    on_sqlite = layers(None, tmp_path / "sqlite")
    assert on_pg.pop("postgis") is True and on_sqlite.pop("postgis") is False  # GiST box on PostgreSQL
    assert on_pg.pop("version")[0] == on_sqlite.pop("version")[0] == 1200
    assert {k: v["mode"] for k, v in on_pg.items() if k.startswith("hitmap")} == {
        k: v["mode"] for k, v in on_sqlite.items() if k.startswith("hitmap")
    }
    assert any(v["mode"] == "bins" for k, v in on_pg.items() if k.startswith("hitmap"))
    for key in on_pg:
        assert rounded(on_pg[key]) == rounded(on_sqlite[key]), key


def rounded(value: Any) -> Any:
    """Floats to 4 decimals (sums of coordinates may differ in the last bits between engines)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value
