"""One slot through the whole detector: masks → contextual test → temporal background → FRP →
``Detections`` of source kind ``satellite_geo`` (one per fire pixel, footprint = the pixel)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid import __version__
from firegrid.detect.detections import Detections
from firegrid.detect.geostationary.background import Anomaly, BackgroundStore, TemporalBackground
from firegrid.detect.geostationary.contextual import ContextualResult, contextual_fires
from firegrid.detect.geostationary.frp import frp_mw
from firegrid.detect.geostationary.masks import Masks, glint_rejected, make_masks
from firegrid.detect.geostationary.params import GeoDetectorParams
from firegrid.imagery.geostationary.slot import GeoSlot
from firegrid.types import SourceKind

DETECTOR = "geo-contextual-temporal"
SLOTS_PER_DAY = {"AHI": 144, "ABI": 144, "AGRI": 96}


@dataclass
class GeoFirePixel:
    """One fire pixel and why it is one."""

    row: int
    col: int
    lon: float
    lat: float
    method: str  # "absolute", "contextual", "temporal"
    t4: float
    t11: float
    background_t4: float
    frp_mw: float
    confidence: float
    daynight: str
    area_km2: float
    scan_m: float
    track_m: float
    residual_k: float | None = None


@dataclass
class GeoDetection:
    """What the detector made of a slot."""

    fires: list[GeoFirePixel]
    pixels: int
    clear: int
    cloudy: int
    potential: int
    temporal_evaluated: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for logs, the CLI and the bench."""
        methods: dict[str, int] = {}
        for f in self.fires:
            methods[f.method] = methods.get(f.method, 0) + 1
        return {
            "pixels": self.pixels,
            "clear": self.clear,
            "cloudy": self.cloudy,
            "potential": self.potential,
            "temporal_evaluated": self.temporal_evaluated,
            "fire_pixels": len(self.fires),
            "by_method": methods,
            "notes": self.notes,
        }


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def _temporal_confidence(residual: float, sigma: float, floor: float) -> float:
    z = residual / max(sigma, 1e-3)
    return float(np.sqrt(_ramp(residual, floor, 3 * floor) * _ramp(z, 4.0, 8.0)) * 0.9 + 0.1)


def detect_slot(
    slot: GeoSlot,
    params: GeoDetectorParams | None = None,
    background_root: Path | None = None,
    static_water: NDArray[np.bool_] | None = None,
) -> GeoDetection:
    """Detect fires in a slot; with ``background_root`` the temporal test runs and learns."""
    p = params or GeoDetectorParams()
    masks = make_masks(slot, p.clouds, p.contextual.day_sza, static_water)
    ctx = contextual_fires(slot, masks, p.contextual)
    anomaly = None
    if background_root is not None:
        anomaly = _temporal(slot, masks, ctx, p, background_root)
    fires = _fire_pixels(slot, masks, ctx, anomaly, p)
    return GeoDetection(
        fires,
        pixels=slot.mir.size,
        clear=int(masks.valid.sum()),
        cloudy=int(masks.cloud.sum()),
        potential=ctx.potential,
        temporal_evaluated=anomaly.evaluated if anomaly else 0,
        notes=slot.notes + masks.notes + ([] if anomaly else ["no temporal background (test not run)"]),
    )


def _temporal(
    slot: GeoSlot, masks: Masks, ctx: ContextualResult, p: GeoDetectorParams, root: Path
) -> Anomaly:
    store = BackgroundStore(root, slot.grid_key, slot.shape)
    temporal = TemporalBackground(store, p.temporal, SLOTS_PER_DAY.get(slot.sensor, 144))
    anomaly, state = temporal.evaluate(slot.start_time, slot.mir, slot.tir, masks.valid)
    anomaly.fire &= ~glint_rejected(slot, masks, p.contextual)
    learn = masks.valid & ~ctx.fire & ~anomaly.fire
    temporal.update(slot.start_time, slot.mir, slot.tir, learn, anomaly, state)
    return anomaly


def _fire_pixels(
    slot: GeoSlot, masks: Masks, ctx: ContextualResult, anomaly: Anomaly | None, p: GeoDetectorParams
) -> list[GeoFirePixel]:
    fire = ctx.fire | (anomaly.fire if anomaly is not None else False)
    out = []
    for row, col in np.argwhere(fire).tolist():
        temporal_only = not ctx.fire[row, col]
        residual: float | None
        if temporal_only and anomaly is not None:
            method, bg = "temporal", float(anomaly.expected_t4[row, col])
            residual = float(anomaly.residual[row, col])
            conf = _temporal_confidence(residual, float(anomaly.sigma[row, col]), p.temporal.min_anomaly_k)
        else:
            method = "absolute" if ctx.absolute[row, col] else "contextual"
            bg, conf = float(ctx.background_t4[row, col]), float(ctx.confidence[row, col])
            residual = float(anomaly.residual[row, col]) if anomaly is not None else None
            if np.isnan(bg) and anomaly is not None:
                bg = float(anomaly.expected_t4[row, col])
        t4, area = float(slot.mir[row, col]), float(slot.pixel_area_km2[row, col])
        out.append(
            GeoFirePixel(
                row,
                col,
                float(slot.lon[row, col]),
                float(slot.lat[row, col]),
                method,
                t4,
                float(slot.tir[row, col]),
                bg,
                float(frp_mw(slot.mir_wavelength_um, t4, bg, area)),
                conf,
                "D" if masks.day[row, col] else "N",
                area,
                float(slot.scan_m[row, col]),
                float(slot.track_m[row, col]),
                None if residual is None or np.isnan(residual) else residual,
            )
        )
    return out


def to_detections(slot: GeoSlot, fires: list[GeoFirePixel], source_file: str) -> Detections:
    """Fire pixels as ``Detections`` (source kind ``satellite_geo``; pixel size as footprint)."""
    if not fires:
        return Detections.empty()
    return Detections.from_columns(
        lon=[f.lon for f in fires],
        lat=[f.lat for f in fires],
        observed_at=[slot.start_time] * len(fires),
        source_kind=SourceKind.SATELLITE_GEO.value,
        sensor=slot.sensor,
        platform=slot.platform,
        product=f"{slot.sensor} L1 {slot.start_time:%Y-%m-%d %H:%M}Z",
        confidence=[round(f.confidence, 3) for f in fires],
        frp=[f.frp_mw for f in fires],
        brightness_k=[f.t4 for f in fires],
        footprint_m=[float(np.sqrt(f.area_km2) * 1000) for f in fires],
        scan_m=[f.scan_m for f in fires],
        track_m=[f.track_m for f in fires],
        daynight=[f.daynight for f in fires],
        source_file=source_file,
        source_row=[f.row * 100_000 + f.col for f in fires],
        detector=DETECTOR,
        detector_version=__version__,
        attrs=[
            {
                "method": f.method,
                "row": f.row,
                "col": f.col,
                "t11": round(f.t11, 2),
                "background_t4": None if np.isnan(f.background_t4) else round(f.background_t4, 2),
                "residual_k": None if f.residual_k is None else round(f.residual_k, 2),
                "pixel_area_km2": round(f.area_km2, 3),
                "grid": slot.grid_key,
            }
            for f in fires
        ],
    )
