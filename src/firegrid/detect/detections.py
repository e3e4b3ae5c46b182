"""``Detections``: the columnar type every source and detector converges on.

One row per detection; numpy columns inside the pipeline, pydantic models only at
the edges. Coordinates are always WGS84 longitude/latitude (``crs``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firegrid.types import WGS84, Hazard

FloatArray = NDArray[np.float64]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
StrArray = NDArray[np.object_]

# Columns that hold one value per row, with the dtype a fresh column gets.
_FLOAT_COLUMNS = ("lon", "lat", "confidence", "frp", "brightness_k", "footprint_m", "scan_m", "track_m")
_STR_COLUMNS = (
    "hazard",
    "source_kind",
    "sensor",
    "platform",
    "product",
    "daynight",
    "source_file",
    "detector",
    "detector_version",
)


@dataclass
class Detections:
    """Detections as parallel arrays.

    ``hazard`` says what was seen (``types.Hazard``; fire unless told);
    ``confidence`` is normalised to 0-1; ``frp`` is in MW, ``brightness_k`` in kelvin,
    ``footprint_m`` the size of the pixel (or the location uncertainty) in metres;
    unknown values are NaN / empty strings. ``attrs`` keeps each source row as read.
    """

    lon: FloatArray
    lat: FloatArray
    observed_at: NDArray[np.datetime64]  # UTC, datetime64[us]
    hazard: StrArray  # fire, dust, site_compliance
    source_kind: StrArray
    sensor: StrArray
    platform: StrArray
    product: StrArray
    confidence: FloatArray
    frp: FloatArray
    brightness_k: FloatArray
    footprint_m: FloatArray
    scan_m: FloatArray
    track_m: FloatArray
    daynight: StrArray
    source_file: StrArray
    source_row: NDArray[np.int64]
    detector: StrArray
    detector_version: StrArray
    attrs: list[dict[str, Any]] = field(default_factory=list)
    crs: str = WGS84

    def __post_init__(self) -> None:
        n = len(self.lon)
        for f in fields(self):
            if f.name == "crs":
                continue
            value = getattr(self, f.name)
            if len(value) != n:
                raise ValueError(f"column {f.name!r} has {len(value)} rows, expected {n}")
        if self.crs != WGS84:
            raise ValueError(f"Detections are stored in {WGS84}, got {self.crs}")

    def __len__(self) -> int:
        return len(self.lon)

    def __getitem__(self, index: slice | Sequence[int] | NDArray[Any]) -> Detections:
        """A subset: a slice, an index array or a boolean mask."""
        idx = np.arange(len(self))[index]
        kwargs: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "crs":
                kwargs[f.name] = value
            elif f.name == "attrs":
                kwargs[f.name] = [value[i] for i in idx]
            else:
                kwargs[f.name] = value[idx]
        return Detections(**kwargs)

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        return cls.from_columns(lon=[], lat=[], observed_at=[])

    @classmethod
    def from_columns(
        cls, *, lon: Sequence[float], lat: Sequence[float], observed_at: Sequence[datetime], **columns: Any
    ) -> Detections:
        """Build from lists; missing columns are filled with NaN / "" / {}."""
        n = len(lon)
        kwargs: dict[str, Any] = {
            "lon": np.asarray(lon, dtype=np.float64),
            "lat": np.asarray(lat, dtype=np.float64),
            "observed_at": _to_datetime64(observed_at),
            "source_row": np.asarray(columns.pop("source_row", [0] * n), dtype=np.int64),
            "attrs": list(columns.pop("attrs", [{} for _ in range(n)])),
        }
        for name in _FLOAT_COLUMNS[2:]:
            values = columns.pop(name, None)
            kwargs[name] = np.full(n, np.nan) if values is None else _float_array(values, n)
        columns.setdefault("hazard", Hazard.FIRE.value)
        for name in _STR_COLUMNS:
            values = columns.pop(name, None)
            kwargs[name] = _str_array(values, n)
        if columns:
            raise TypeError(f"unknown columns: {sorted(columns)}")
        return cls(**kwargs)

    @classmethod
    def concat(cls, parts: Sequence[Detections]) -> Detections:
        """Stack several ``Detections`` into one."""
        if not parts:
            return cls.empty()
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "crs":
                continue
            values = [getattr(p, f.name) for p in parts]
            kwargs[f.name] = [a for v in values for a in v] if f.name == "attrs" else np.concatenate(values)
        return cls(**kwargs)

    def observed_datetimes(self) -> list[datetime]:
        """Observation times as timezone-aware UTC datetimes."""
        return [_from_datetime64(v) for v in self.observed_at]

    def dedup_keys(self) -> list[str]:
        """A stable key per detection: same sensor, platform, time and place = same key.

        The file name is deliberately not part of the key, so the 24 h and 7 d files of
        one product overlap without duplicates. A hazard other than fire is part of the key
        (a scene's fire point and dust patch at one place are two detections).
        """
        keys = []
        for i in range(len(self)):
            hazard = str(self.hazard[i])
            raw = "|".join(
                ([] if hazard == Hazard.FIRE else [hazard])
                + [
                    str(self.source_kind[i]),
                    str(self.sensor[i]).upper(),
                    str(self.platform[i]).upper(),
                    np.datetime_as_string(self.observed_at[i], unit="s"),
                    f"{self.lat[i]:.5f}",
                    f"{self.lon[i]:.5f}",
                ]
            )
            keys.append(hashlib.sha256(raw.encode()).hexdigest()[:40])
        return keys

    def rows(self) -> Iterator[dict[str, Any]]:
        """One plain dict per detection (NaN becomes None), for storage and JSON."""
        times = self.observed_datetimes()
        for i in range(len(self)):
            row: dict[str, Any] = {"observed_at": times[i], "source_row": int(self.source_row[i])}
            for name in _FLOAT_COLUMNS:
                value = float(getattr(self, name)[i])
                row[name] = None if np.isnan(value) else value
            for name in _STR_COLUMNS:
                row[name] = str(getattr(self, name)[i])
            row["attrs"] = self.attrs[i]
            yield row


def _to_datetime64(values: Sequence[datetime]) -> NDArray[np.datetime64]:
    out = np.empty(len(values), dtype="datetime64[us]")
    for i, value in enumerate(values):
        if value.tzinfo is None:
            raise ValueError("observation times must be timezone-aware")
        out[i] = np.datetime64(value.astimezone(UTC).replace(tzinfo=None), "us")
    return out


def _from_datetime64(value: np.datetime64) -> datetime:
    micros = int(value.astype("datetime64[us]").astype(np.int64))
    return _EPOCH + timedelta(microseconds=micros)


def _float_array(values: Sequence[Any], n: int) -> FloatArray:
    array = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if len(array) != n:
        raise ValueError(f"column has {len(array)} rows, expected {n}")
    return array


def _str_array(values: Sequence[Any] | str | None, n: int) -> StrArray:
    array = np.empty(n, dtype=object)
    if values is None or isinstance(values, str):
        array[:] = values or ""
    else:
        array[:] = ["" if v is None else str(v) for v in values]
    return array
