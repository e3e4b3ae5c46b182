"""Read a geostationary slot through satpy (``abi_l1b``, ``ahi_hsd``, ``agri_fy4b_l1``).

satpy does the calibration (counts → radiance → brightness temperature / reflectance) and the
fixed-grid navigation; firegrid picks the bands, crops to the area, aggregates the finer visible
bands onto the infrared grid (satpy's ``native`` resampler) and adds angles and footprints.
satpy is imported only here and only when a slot is read.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from firegrid.errors import ConfigError, InputError
from firegrid.files.sniff import check_geo_file
from firegrid.imagery.geostationary import geometry
from firegrid.imagery.geostationary.slot import GeoSlot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BandMap:
    """Which satpy dataset plays which role for one reader."""

    sensor: str
    mir: str  # ~3.9 µm
    tir: str  # ~11 µm
    tir12: str  # ~12 µm
    red: str  # ~0.64 µm
    nir: str  # ~0.86 µm


READERS = {
    "abi_l1b": BandMap("ABI", mir="C07", tir="C14", tir12="C15", red="C02", nir="C03"),
    "ahi_hsd": BandMap("AHI", mir="B07", tir="B14", tir12="B15", red="B03", nir="B04"),
    "agri_fy4b_l1": BandMap("AGRI", mir="C07", tir="C13", tir12="C14", red="C02", nir="C03"),
}
_NAMES = (
    ("abi_l1b", re.compile(r"^OR_ABI-L1b-Rad")),
    ("ahi_hsd", re.compile(r"^HS_H\d\d_\d{8}_\d{4}_B\d\d_")),
    ("agri_fy4b_l1", re.compile(r"^FY4B-_AGRI--_N_")),
)


def guess_reader(paths: Sequence[Path]) -> str:
    """The satpy reader for these files (by their published names), or ``InputError``."""
    found = {name for path in paths for name, pattern in _NAMES if pattern.match(path.name)}
    if len(found) == 1:
        return found.pop()
    if not found:
        names = ", ".join(p.name for p in paths[:3])
        raise InputError(
            f"{names}: not GOES ABI L1b (OR_ABI-L1b-Rad*), Himawari HSD (HS_H0x_*) or FY-4B AGRI L1 "
            "(FY4B-_AGRI--_N_*) files"
        )
    raise InputError(f"files of several sensors in one slot: {sorted(found)}")


def read_slot(
    paths: Sequence[Path],
    bbox: tuple[float, float, float, float] | None = None,
    reader: str | None = None,
) -> GeoSlot:
    """Read one slot's files, cropped to ``bbox`` (W, S, E, N in degrees; None: everything)."""
    if not paths:
        raise InputError("no files for this slot")
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    name = reader or guess_reader(paths)
    if name not in READERS:
        raise InputError(f"unknown reader {name!r}; known: {sorted(READERS)}")
    for path in paths:
        check_geo_file(path)  # the file gate: its bytes are the format its name promises, no markup
    bands = READERS[name]
    used = _band_files(paths, bands)
    loaded = _load(used, name, bands, bbox)
    return _slot(loaded, name, bands, used)


_BAND_IN_NAME = re.compile(r"(?:-M\dC(\d\d)_|_B(\d\d)_)")


def _band_files(paths: Sequence[Path], bands: BandMap) -> list[Path]:
    """Only the files of the bands the detector reads (ABI and AHI name the band; others: all)."""
    wanted = {b[1:] for b in (bands.mir, bands.tir, bands.tir12, bands.red, bands.nir)}
    out = []
    for path in paths:
        match = _BAND_IN_NAME.search(path.name)
        if match is None or (match.group(1) or match.group(2)) in wanted:
            out.append(path)
    return out or list(paths)


def _load(
    paths: Sequence[Path], name: str, bands: BandMap, bbox: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    try:
        import dask
        from satpy.scene import Scene
    except ImportError as exc:  # a deployment may leave satpy (GPL-3.0) out: README "Data and licences"
        raise ConfigError(
            f"satpy is not installed: geostationary slots cannot be read ({exc}); pip install 'satpy>=0.55'"
        ) from exc

    label = f"{paths[0].name} (+{len(paths) - 1})" if len(paths) > 1 else paths[0].name
    try:
        scene = Scene(filenames=[str(p) for p in paths], reader=name)
    except (ValueError, OSError, KeyError) as exc:
        raise InputError(f"{label}: satpy reader {name} cannot open these files ({exc})") from exc
    available = set(scene.available_dataset_names())
    for role in ("mir", "tir"):
        if getattr(bands, role) not in available:
            raise InputError(
                f"{label}: band {getattr(bands, role)} ({role}) is missing; have {sorted(available)}"
            )
    wanted = [b for b in (bands.mir, bands.tir, bands.tir12, bands.red, bands.nir) if b in available]
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        # pyresample's own call inside Scene.crop (not ours to fix)
        warnings.filterwarnings("ignore", "The `frequency` argument is pending deprecation")
        scene.load(wanted)
        if bbox is not None:
            try:
                scene = scene.crop(ll_bbox=bbox)
            except (ValueError, IndexError) as exc:
                raise InputError(f"{label}: the area {bbox} is not in these files ({exc})") from exc
        scene = scene.resample(scene.coarsest_area(), resampler="native")
        arrays = {b: scene[b].values.astype(np.float32) for b in wanted}
    first = scene[bands.mir]
    return {"arrays": arrays, "area": first.attrs["area"], "attrs": dict(first.attrs)}


def _satellite(area: Any) -> geometry.Satellite:
    """The satellite of a geostationary (``+proj=geos``) grid."""
    params = {p.name: float(p.value) for p in area.crs.coordinate_operation.params}
    ellipsoid = area.crs.ellipsoid
    return geometry.Satellite(
        params["Longitude of natural origin"],
        params["Satellite Height"],
        float(ellipsoid.semi_major_metre),
        float(ellipsoid.semi_minor_metre),
    )


def _grid_key(area: Any, platform: str) -> str:
    text = f"{platform}|{area.crs.to_wkt()}|{tuple(round(v, 3) for v in area.area_extent)}|{area.shape}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _start(attrs: dict[str, Any]) -> datetime:
    start: datetime = attrs["start_time"]
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def _slot(loaded: dict[str, Any], name: str, bands: BandMap, paths: Sequence[Path]) -> GeoSlot:
    area, attrs, arrays = loaded["area"], loaded["attrs"], loaded["arrays"]
    lons, lats = area.get_lonlats()
    lon = np.where(np.isfinite(lons), lons, np.nan).astype(np.float64)
    lat = np.where(np.isfinite(lats), lats, np.nan).astype(np.float64)
    sat = _satellite(area)
    start = _start(attrs)
    with np.errstate(invalid="ignore"):
        vza, vaz, _ = geometry.viewing(lon, lat, sat)
        sza, saz = geometry.sun(lon, lat, start)
        glint = geometry.glint_angle(sza, saz, vza, vaz)
        area_km2, ew, ns = geometry.footprint(lon, lat, sat)
    wavelength = attrs.get("wavelength")
    platform = str(attrs.get("platform_name", "")).upper().replace("HIMAWARI", "Himawari")
    notes = [
        f"{role} band {getattr(bands, role)} not in the files"
        for role in ("tir12", "red", "nir")
        if getattr(bands, role) not in arrays
    ]

    def opt(role: str, scale: float = 1.0) -> np.ndarray | None:
        key = getattr(bands, role)
        return (arrays[key] * np.float32(scale)).astype(np.float32) if key in arrays else None

    return GeoSlot(
        platform=platform,
        sensor=bands.sensor,
        start_time=start,
        grid_key=_grid_key(area, platform),
        mir=arrays[bands.mir],
        tir=arrays[bands.tir],
        lon=lon,
        lat=lat,
        sza=sza.astype(np.float32),
        vza=vza.astype(np.float32),
        glint=glint.astype(np.float32),
        pixel_area_km2=area_km2.astype(np.float32),
        scan_m=ew.astype(np.float32),
        track_m=ns.astype(np.float32),
        mir_wavelength_um=float(getattr(wavelength, "central", 3.9)),
        tir12=opt("tir12"),
        red=opt("red", 0.01),  # satpy reflectances are in %
        nir=opt("nir", 0.01),
        reader=name,
        files=[str(p) for p in paths],
        notes=notes,
    )
