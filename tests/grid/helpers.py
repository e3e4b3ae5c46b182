"""Build small grids in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping


def feature(
    code: str, level: str, parent: str | None, geometry: Any, name: str | None = None
) -> dict[str, Any]:
    geom = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name or code, "level": level, "parent_code": parent},
        "geometry": geom,
    }


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def two_by_two(path: Path) -> Path:
    """County C (0.02 x 0.02 deg) with townships T1 (west), T2 (east), each with 2 villages."""
    s = 0.01
    return write(
        path,
        [
            feature("C", "county", None, box(112, 38, 112 + 2 * s, 38 + 2 * s)),
            feature("T1", "township", "C", box(112, 38, 112 + s, 38 + 2 * s)),
            feature("T2", "township", "C", box(112 + s, 38, 112 + 2 * s, 38 + 2 * s)),
            feature("T1V1", "village", "T1", box(112, 38, 112 + s, 38 + s)),
            feature("T1V2", "village", "T1", box(112, 38 + s, 112 + s, 38 + 2 * s)),
            feature("T2V1", "village", "T2", box(112 + s, 38, 112 + 2 * s, 38 + s)),
            feature("T2V2", "village", "T2", box(112 + s, 38 + s, 112 + 2 * s, 38 + 2 * s)),
        ],
    )
