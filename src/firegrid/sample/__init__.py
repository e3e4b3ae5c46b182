"""Sample data for the demo: a generated Xinzhou grid, a heat-source registry, synthetic fire points.

Built by ``scripts/build_sample_data.py`` from ``../shared/data``; see ``README.md`` here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

GRID = "xinzhou_sample_grid.geojson"
HEAT_SOURCES = "xinzhou_heat_sources.geojson"
FIRE_POINTS = "synthetic_firms_xinzhou.csv"
SOURCES = "sources.yaml"
SITES = "xinzhou_sample_sites.geojson"


def path(name: str) -> Path:
    """Filesystem path of a sample file shipped with the package."""
    return Path(str(files(__package__).joinpath(name)))
