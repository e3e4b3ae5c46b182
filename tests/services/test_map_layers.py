"""The map layers' SQL against row-by-row references: counts per cell, the ranking, the hit map's
bins; and the hit map's size against the number of incidents."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from firegrid.auth.roles import Principal, Role
from firegrid.errors import InputError
from firegrid.grid.cells import GridTree
from firegrid.services import cell_stats, hitmap, stats
from firegrid.services.grid import active_version, load_tree
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow
from firegrid.worker.context import Runtime
from tests.services.map_seed import NOW, seed_incidents

XINZHOU = (110.94, 38.13, 113.97, 39.66)
ADMIN = Principal("admin", Role.ADMIN, None, None)


@pytest.fixture
def seeded(grid_runtime: Runtime) -> tuple[Runtime, GridTree, int]:
    with transaction(grid_runtime.sessions) as session:
        version = active_version(session)
        assert version is not None
        tree = load_tree(session, version.id)
        seed_incidents(session, tree, 900, suppressed=60)
    return grid_runtime, tree, version.id


def reference_counts(
    session: Any, principal: Principal, tree: GridTree, level: str, window: stats.Window
) -> dict[str, dict[str, Any]]:
    """The counts as the first version computed them: one loop over (incident, task) rows."""
    counts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "pushed": 0,
            "confirmed": 0,
            "straw": 0,
            "rejected": 0,
            "overdue": 0,
            "minutes": [],
            "first": None,
        }
    )
    for incident, task in stats._incidents(session, principal, window):
        chain = tree.ancestors(incident.cell_code) if incident.cell_code in tree else []
        code = next((c.code for c in chain if c.level == level), None)
        if code is None or task is None:
            continue
        c = counts[code]
        c["pushed"] += 1
        if task.verdict == "confirmed":
            c["confirmed"] += 1
            fire = incident.hazard == "fire"
            c["straw"] += fire and incident.land_use in (None, "straw_burning")
            if fire and (c["first"] is None or incident.first_seen < c["first"]):
                c["first"] = incident.first_seen
        elif task.verdict == "rejected":
            c["rejected"] += 1
        if task.verified_at is not None:
            c["minutes"].append((task.verified_at - task.created_at).total_seconds() / 60)
        c["overdue"] += task.verify_by < (task.verified_at or NOW) and task.merged_into_id is None
    return counts


@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_cell_counts_equal_a_row_by_row_count(seeded: tuple[Runtime, GridTree, int], level: str) -> None:
    runtime, tree, _ = seeded
    township = next(c for c in tree if c.level == "township")
    reviewer = Principal("rev", Role.TOWNSHIP_REVIEWER, 1, (tree.path(township.code),))
    window = stats.Window(since=NOW.replace(day=1), hazard="fire")
    with runtime.sessions() as session:
        for principal, w in ((ADMIN, stats.Window()), (ADMIN, window), (reviewer, stats.Window())):
            got = cell_stats.cell_counts(session, principal, tree, level, w, NOW)
            want = reference_counts(session, principal, tree, level, w)
            assert set(got) == set(want) and want
            for code, c in want.items():
                g = got[code]
                assert (g.pushed, g.confirmed, g.straw_burning, g.rejected, g.overdue, g.first_fire) == (
                    c["pushed"],
                    c["confirmed"],
                    c["straw"],
                    c["rejected"],
                    c["overdue"],
                    c["first"],
                )
                assert sorted(g.verify_minutes) == pytest.approx(sorted(c["minutes"]), abs=1e-3)


def test_ranking_medians_and_order(seeded: tuple[Runtime, GridTree, int]) -> None:
    runtime, tree, version_id = seeded
    with runtime.sessions() as session:
        ranking = cell_stats.ranking(session, ADMIN, tree, version_id, stats.Window(), NOW)
        want = reference_counts(session, ADMIN, tree, "township", stats.Window())
    assert len(ranking) == sum(1 for c in tree if c.level == "township")
    for row in ranking:
        c = want.get(row["code"])
        if c is None:
            assert row["pushed"] == 0 and row["median_verify_min"] is None
            continue
        assert row["pushed"] == c["pushed"] and row["overdue"] == c["overdue"]
        median = round(statistics.median(c["minutes"]), 1) if c["minutes"] else None
        assert row["median_verify_min"] == pytest.approx(median, abs=0.11)
    keys = [(-r["straw_burning"], -r["confirmed"], -r["pushed"], -r["overdue"], r["code"]) for r in ranking]
    assert keys == sorted(keys) and [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))


def expected_bins(session: Any, v: hitmap.View) -> dict[tuple[int, int], Counter[str]]:
    """Bins computed in Python from the raw rows: statuses per (column, row) of the bin grid."""
    cells: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    inside = stats.Window(bbox=v.bbox)
    for incident, task in stats._incidents(session, ADMIN, inside):
        key = (math.floor((incident.lon + 180) / v.step), math.floor((incident.lat + 90) / v.step))
        cells[key][stats.map_status(task, NOW)] += 1
    for d in session.scalars(select(DetectionRow).where(*stats.suppressed_clauses(ADMIN, inside))):
        cells[(math.floor((d.lon + 180) / v.step), math.floor((d.lat + 90) / v.step))]["suppressed"] += 1
    return cells


@pytest.mark.parametrize("zoom", [8, 10, 12])
def test_bins_hold_every_visible_point_once(seeded: tuple[Runtime, GridTree, int], zoom: int) -> None:
    runtime, _, _ = seeded
    box = XINZHOU if zoom < 12 else (112.3, 38.2, 112.9, 38.6)
    with runtime.sessions() as session:
        v = hitmap.view(box, zoom)
        layer = hitmap.hit_map(session, ADMIN, stats.Window(), v, NOW, suppressed=True)
        want = expected_bins(session, v)
    if layer["mode"] == "points":
        assert (
            layer["total"] == len(layer["points"]["features"]) == sum(sum(c.values()) for c in want.values())
        )
        return
    assert [b["status"] for b in layer["bins"]] == [dict(want[k]) for k in sorted(want)]
    assert layer["total"] == sum(b["n"] for b in layer["bins"])
    assert layer["status"] == dict(sorted(sum(want.values(), Counter()).items()))
    x0, y0, x1, y1 = v.bbox
    assert all(x0 <= b["lon"] <= x1 and y0 <= b["lat"] <= y1 for b in layer["bins"])


def test_few_points_come_as_points(seeded: tuple[Runtime, GridTree, int]) -> None:
    runtime, tree, _ = seeded
    village = next(c for c in tree if c.level == "village")
    x0, y0, x1, y1 = village.geometry.bounds
    with runtime.sessions() as session:
        layer = hitmap.hit_map(session, ADMIN, stats.Window(), hitmap.view((x0, y0, x1, y1), 14), NOW)
        features = stats.hits(session, ADMIN, stats.Window(bbox=hitmap.view((x0, y0, x1, y1), 14).bbox), NOW)
    assert layer["mode"] == "points" and layer["points"] == features and layer["total"] <= hitmap.POINT_LIMIT


def test_hit_map_size_does_not_grow_with_the_incidents(grid_runtime: Runtime) -> None:
    """Four times the incidents in the same places: the bins answer keeps its bins and its size (but
    for one more digit in the counts), the full point layer grows fourfold."""
    sizes = {}
    with transaction(grid_runtime.sessions) as session:
        version = active_version(session)
        assert version is not None
        tree = load_tree(session, version.id)
        for total in (1500, 6000):
            seed_incidents(session, tree, total - sum(s[2] for s in sizes.values()), seed=total, places=40)
            v = hitmap.view(XINZHOU, 10)
            layer = hitmap.hit_map(session, ADMIN, stats.Window(), v, NOW)
            assert layer["mode"] == "bins" and layer["total"] > 0.9 * total
            full = stats.hits(session, ADMIN, stats.Window(), NOW)
            sizes[total] = (len(json.dumps(layer)), len(json.dumps(full)), total, len(layer["bins"]))
    assert sizes[6000][3] == sizes[1500][3] and sizes[6000][0] <= 1.15 * sizes[1500][0]
    assert sizes[6000][1] >= 3.5 * sizes[1500][1]


def test_views_are_snapped_and_bounded() -> None:
    v = hitmap.view((112.31, 38.21, 112.52, 38.44), 12)
    assert v.bin_zoom == 12 and v.step == pytest.approx(360 * 32 / (256 * 2**12))
    x0, y0, x1, y1 = v.bbox
    assert (
        x0 <= 112.31
        and y0 <= 38.21
        and x1 >= 112.52
        and y1 >= 38.44
        and x1 - x0 < 112.52 - 112.31 + 2 * v.step
    )
    assert round((x0 + 180) / v.step, 6).is_integer()
    world = hitmap.view((-180, -85, 180, 85), 18)
    spanned = round((world.bbox[2] - world.bbox[0]) / world.step) * round(
        (world.bbox[3] - world.bbox[1]) / world.step
    )
    assert world.bin_zoom < 18 and spanned <= hitmap.MAX_BINS
    for bad in ((112, 38, 111, 39), (170, 38, 190, 39), (112, float("nan"), 113, 39)):
        with pytest.raises(InputError, match="bbox"):
            hitmap.view(bad, 10)
    with pytest.raises(InputError, match="zoom"):
        hitmap.view((112, 38, 113, 39), 30)
