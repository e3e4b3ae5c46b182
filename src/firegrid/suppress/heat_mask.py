"""The persistent-heat mask: where detection history says "this is not a farm fire".

Detections (FIRMS archive / NRT files and firegrid's own) are put on a fine grid
(``cell_deg`` = 0.004°, ~ 350 x 450 m at 38° N, about one VIIRS pixel); 8-connected occupied
cells form groups (a steel works jitters over a few neighbouring cells). A group is a
**candidate** when

* it was detected on at least ``min_days`` distinct days, or
* on at least 2 days with at least ``min_night_overpasses`` night overpasses, or
* on at least ``min_outside_days`` days outside the harvest months, or
* an inspector rejected a point there as an industrial heat source.

The mask geometry is the union of the group's cells — as tight as the evidence allows — so a
farm fire a few hundred metres from a plant still pages (a detection is masked only when its
point lies in the geometry). Pure functions; ``services.heat_mask`` keeps the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from firegrid.detect.pixels import components, groups


class MaskParams(BaseModel):
    """Grid and rules of the mask."""

    cell_deg: float = Field(0.004, gt=0)
    min_days: int = Field(3, ge=1)
    min_night_overpasses: int = Field(2, ge=1)
    min_outside_days: int = Field(2, ge=1)
    harvest_months: list[int] = Field(default_factory=lambda: [6, 9, 10, 11])  # wheat June, maize autumn
    overpass_minutes: int = Field(30, gt=0)  # detections closer in time are one overpass


@dataclass
class HeatPoints:
    """Detections as arrays (WGS84)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    observed: list[datetime]  # aware UTC
    night: NDArray[np.bool_]


@dataclass
class MaskCandidate:
    """A group of occupied cells and its evidence."""

    key: str  # stable: the group's first cell
    geometry: BaseGeometry  # union of the cells (WGS84)
    cells: list[tuple[int, int]]
    detections: int
    days: int
    night_overpasses: int
    outside_harvest_days: int
    proposals: int
    first_seen: datetime
    last_seen: datetime
    reasons: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """More days, nights, off-season days and inspector reports: more certainly industrial."""
        return self.days + self.night_overpasses + 0.5 * self.outside_harvest_days + 3 * self.proposals

    @property
    def centre(self) -> tuple[float, float]:
        """A point inside the mask."""
        point = self.geometry.representative_point()
        return float(point.x), float(point.y)


def cell_of(
    lon: NDArray[np.float64], lat: NDArray[np.float64], size: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Grid (row, col) of points: row from latitude, col from longitude."""
    return np.floor(lat / size).astype(np.int64), np.floor(lon / size).astype(np.int64)


def cell_box(row: int, col: int, size: float) -> BaseGeometry:
    """The cell as a WGS84 box."""
    return shapely.box(col * size, row * size, (col + 1) * size, (row + 1) * size)


def find_candidates(
    points: HeatPoints, params: MaskParams, proposals: Sequence[tuple[float, float]] = ()
) -> list[MaskCandidate]:
    """Candidate groups, strongest first."""
    n = len(points.lon)
    if n == 0:
        return []
    rows, cols = cell_of(points.lon, points.lat, params.cell_deg)
    keys = rows * 10_000_000 + cols
    unique, inverse = np.unique(keys, return_inverse=True)
    cell_rows, cell_cols = unique // 10_000_000, unique % 10_000_000
    count, labels = components(cell_rows, cell_cols)
    proposal_cells = set()
    if proposals:
        p_rows, p_cols = cell_of(
            np.array([p[0] for p in proposals]), np.array([p[1] for p in proposals]), params.cell_deg
        )
        proposal_cells = set(zip(p_rows.tolist(), p_cols.tolist(), strict=True))
    members = groups(labels[inverse], count)
    out = []
    for label, idx in enumerate(members):
        cells_idx = np.flatnonzero(labels == label)
        cells = [(int(cell_rows[i]), int(cell_cols[i])) for i in cells_idx]
        candidate = _evaluate(points, idx, cells, params, proposal_cells)
        if candidate is not None:
            out.append(candidate)
    out.sort(key=lambda c: (-c.score, c.key))
    return out


def _evaluate(
    points: HeatPoints,
    idx: NDArray[np.intp],
    cells: list[tuple[int, int]],
    params: MaskParams,
    proposal_cells: set[tuple[int, int]],
) -> MaskCandidate | None:
    times = [points.observed[i].astimezone(UTC) for i in idx]
    days = {t.date() for t in times}
    step = params.overpass_minutes * 60
    nights = {int(t.timestamp() // step) for t, i in zip(times, idx, strict=True) if points.night[i]}
    outside = {t.date() for t in times if t.month not in params.harvest_months}
    near = {(r + dr, c + dc) for r, c in cells for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
    proposals = len(proposal_cells & near)
    reasons = []
    if len(days) >= params.min_days:
        reasons.append(f"{len(days)} distinct days")
    if len(days) >= 2 and len(nights) >= params.min_night_overpasses:
        reasons.append(f"{len(nights)} night overpasses on {len(days)} days")
    if len(outside) >= params.min_outside_days:
        reasons.append(f"{len(outside)} days outside the harvest months")
    if proposals:
        reasons.append(f"{proposals} inspector report(s) of an industrial heat source")
    if not reasons:
        return None
    row, col = min(cells)
    geometry = shapely.union_all([cell_box(r, c, params.cell_deg) for r, c in cells])
    return MaskCandidate(
        key=f"{params.cell_deg:g}:{row}:{col}",
        geometry=geometry,
        cells=sorted(cells),
        detections=len(idx),
        days=len(days),
        night_overpasses=len(nights),
        outside_harvest_days=len(outside),
        proposals=proposals,
        first_seen=min(times),
        last_seen=max(times),
        reasons=reasons,
    )
