"""Day/night, cloud, water and sun-glint masks of a geostationary slot (Giglio et al. 2003).

Cloud: by day ``ρ0.64 + ρ0.86 > 0.9`` or ``T12 < 265 K`` or (``ρ0.64 + ρ0.86 > 0.7`` and
``T12 < 285 K``); at night ``T12 < 265 K``. When a slot lacks one of the two visible bands (the public
GOES-17 mesoscale files have no 0.64 µm C02) twice the other stands in for the sum, and when it lacks
the 12 µm band the 11 µm one stands in; the slot's notes say so.
Water (no land/sea map is shipped): by day ``ρ0.86 < 0.05`` (and ``ρ0.64 > ρ0.86`` when the red
band exists), plus an optional static mask (e.g. the water class of a land-cover map).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from firegrid.detect.geostationary.params import CloudParams, ContextualParams
from firegrid.imagery.geostationary.slot import GeoSlot

Mask = NDArray[np.bool_]


@dataclass
class Masks:
    """Per-pixel masks; ``valid`` = readable land pixel free of cloud (the detector's domain)."""

    day: Mask
    cloud: Mask
    water: Mask
    valid: Mask
    notes: list[str] = field(default_factory=list)


def visible_sum(slot: GeoSlot) -> tuple[NDArray[np.float32] | None, str | None]:
    """ρ0.64 + ρ0.86, or twice the one band present (with a note), or None."""
    if slot.red is not None and slot.nir is not None:
        return slot.red + slot.nir, None
    if slot.nir is not None:
        return 2 * slot.nir, "no 0.64 µm band: 2 x ρ0.86 stands in for ρ0.64 + ρ0.86 in the cloud test"
    if slot.red is not None:
        return 2 * slot.red, "no 0.86 µm band: 2 x ρ0.64 stands in for ρ0.64 + ρ0.86 in the cloud test"
    return None, "no visible band: the daytime cloud test uses the 12 µm threshold only"


def make_masks(slot: GeoSlot, clouds: CloudParams, day_sza: float, static_water: Mask | None = None) -> Masks:
    """Day, cloud, water and valid masks for one slot."""
    notes: list[str] = []
    day = np.asarray(slot.sza < day_sza)
    t12 = slot.tir12
    if t12 is None:
        t12 = slot.tir
        notes.append("no 12 µm band: the 11 µm band stands in for it in the cloud test")
    vis, note = visible_sum(slot)
    if note:
        notes.append(note)
    with np.errstate(invalid="ignore"):
        cloud = t12 < clouds.t12_cold
        if vis is not None:
            bright = (vis > clouds.vis_cloud) | ((vis > clouds.vis_cloud_warm) & (t12 < clouds.t12_warm))
            cloud |= day & bright
        water = np.zeros(slot.shape, bool)
        if slot.nir is not None:
            dark = slot.nir < clouds.water_nir_max
            if slot.red is not None:
                dark &= slot.red > slot.nir
            water |= day & dark
    if static_water is not None:
        water |= static_water
    readable = np.isfinite(slot.mir) & np.isfinite(slot.tir) & np.isfinite(slot.lat)
    return Masks(day, cloud & readable, water & readable, readable & ~cloud & ~water, notes)


def adjacent_count(mask: Mask) -> NDArray[np.int64]:
    """How many of the 8 neighbours of each pixel are in ``mask``."""
    kernel = np.ones((3, 3), np.int64)
    kernel[1, 1] = 0
    return np.asarray(ndimage.convolve(mask.astype(np.int64), kernel, mode="constant"), np.int64)


def glint_rejected(slot: GeoSlot, masks: Masks, params: ContextualParams) -> Mask:
    """Daytime pixels a fire cannot be told from sun glint at (Giglio et al. 2003)."""
    g = slot.glint
    with np.errstate(invalid="ignore"):
        reject = g < params.glint_strong_deg
        if slot.red is not None and slot.nir is not None:
            reject |= (g < params.glint_bright_deg) & (slot.red > 0.1) & (slot.nir > 0.2)
        near_water = (adjacent_count(masks.water) + masks.water) > 0
        reject |= (g < params.glint_water_deg) & near_water
    return np.asarray(reject & masks.day)
