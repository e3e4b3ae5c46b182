"""Which registered construction site a detection lies in (used by the ingest pipeline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.detect.detections import Detections
from firegrid.store.tables import SiteRow


@dataclass
class SiteIndex:
    """Active sites for point / polygon lookup."""

    ids: list[str]
    tree: shapely.STRtree

    def match(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], shapes: Sequence[Any]
    ) -> list[str | None]:
        """The site each detection lies in (its polygon intersects, or its point is inside)."""
        out: list[str | None] = []
        for x, y, geometry in zip(lon.tolist(), lat.tolist(), shapes, strict=True):
            probe = geometry if geometry is not None else shapely.Point(x, y)
            hits = self.tree.query(probe, predicate="intersects")
            out.append(self.ids[int(min(hits))] if len(hits) else None)
        return out


def site_index(session: Session) -> SiteIndex:
    """An index over active (and suspended) sites."""
    rows = session.execute(
        select(SiteRow.id, SiteRow.geom_wkb)
        .where(SiteRow.status.in_(("active", "suspended")))
        .order_by(SiteRow.id)
    ).all()
    return SiteIndex([r.id for r in rows], shapely.STRtree([shapely.from_wkb(r.geom_wkb) for r in rows]))


def detection_shapes(detections: Detections) -> list[Any]:
    """A detection's polygon (dust patches carry one in ``attrs``), else None."""
    return [
        shapely.geometry.shape(a["polygon"]) if isinstance(a.get("polygon"), dict) else None
        for a in detections.attrs
    ]
