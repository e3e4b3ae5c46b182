"""Himawari-9 AHI full-disk segments from an S3-style bucket over plain HTTP (anonymous).

NOAA's open-data bucket ``noaa-himawari9`` (``https://noaa-himawari9.s3.amazonaws.com``) keeps each
10-minute full-disk slot under ``AHI-L1b-FLDK/YYYY/MM/DD/HHMM/`` as 16 bands x 10 segments,
``HS_H09_YYYYMMDD_HHMM_Bnn_FLDK_Rrr_Sss10.DAT.bz2`` (rr: 05/10/20 = 0.5/1/2 km; ss: segment 01-10,
north to south). Listings are S3 ``ListObjectsV2`` XML (``?list-type=2&prefix=…&delimiter=/``, paged
with continuation tokens). Only the segments that cover the area are fetched: Xinzhou lies in
segment 2, so a slot is 4 files (~10 MB) instead of 160.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
from pyproj import Proj

from firegrid.errors import SourceUnavailableError
from firegrid.sources.http import Retry, get

DEFAULT_BASE_URL = "https://noaa-himawari9.s3.amazonaws.com"
PRODUCT = "AHI-L1b-FLDK"
SEGMENTS = 10
LINES_2KM, LOFF_2KM, LFAC_2KM = 5500, 2750.5, 20466275  # full-disk 2 km grid (HSD user's guide)
HEIGHT_M = 35_785_863.0
_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_NAME = re.compile(
    r"^HS_(?P<sat>H\d\d)_(?P<day>\d{8})_(?P<hhmm>\d{4})_(?P<band>B\d\d)_FLDK_R(?P<res>\d\d)_"
    r"S(?P<segment>\d\d)(?P<total>\d\d)\.DAT(\.bz2)?$"
)


@dataclass(frozen=True)
class SegmentFile:
    """One band segment of a slot in the bucket."""

    key: str
    band: str
    segment: int
    size: int

    @property
    def name(self) -> str:
        """The file name (the key's last part)."""
        return self.key.rsplit("/", 1)[-1]


def segments_for_bbox(bbox: tuple[float, float, float, float], sub_lon: float = 140.7) -> list[int]:
    """Full-disk segments (1-10, north to south) whose lines cover the bbox (W, S, E, N), with a
    margin of 8 lines; the fixed-grid line of a point is ``LOFF − deg(y / h) · LFAC / 2¹⁶``."""
    west, south, east, north = bbox
    steps = np.linspace(0.0, 1.0, 25)
    lons = np.concatenate(
        [west + (east - west) * steps, np.full(25, east), west + (east - west) * steps, np.full(25, west)]
    )
    lats = np.concatenate(
        [
            np.full(25, north),
            south + (north - south) * steps,
            np.full(25, south),
            south + (north - south) * steps,
        ]
    )
    proj = Proj(proj="geos", h=HEIGHT_M, lon_0=sub_lon, a=6378137.0, b=6356752.3, sweep="y")
    _, y = proj(lons, lats, errcheck=False)
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise SourceUnavailableError(f"the area {bbox} is not (all) on the Himawari disk at {sub_lon}E")
    lines = LOFF_2KM - np.degrees(y / HEIGHT_M) * LFAC_2KM / 2**16
    first = max(1, math.ceil((float(lines.min()) - 8) / (LINES_2KM / SEGMENTS)))
    last = min(SEGMENTS, math.ceil((float(lines.max()) + 8) / (LINES_2KM / SEGMENTS)))
    return list(range(first, last + 1))


def slot_prefix(when: datetime) -> str:
    """``AHI-L1b-FLDK/YYYY/MM/DD/HHMM/``."""
    return f"{PRODUCT}/{when:%Y/%m/%d/%H%M}/"


class BucketClient:
    """ListObjectsV2 and GET on an S3-style bucket, with the sources' retries."""

    def __init__(self, base_url: str, client: httpx.Client, retry: Retry, timeout_s: float = 60.0) -> None:
        self.base_url, self.client, self.retry, self.timeout_s = (
            base_url.rstrip("/"),
            client,
            retry,
            timeout_s,
        )

    def listing(self, prefix: str, delimiter: str | None = "/") -> tuple[list[tuple[str, int]], list[str]]:
        """(keys with sizes, common prefixes) under ``prefix``, every page."""
        keys: list[tuple[str, int]] = []
        prefixes: list[str] = []
        token: str | None = None
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if delimiter:
                query["delimiter"] = delimiter
            if token:
                query["continuation-token"] = token
            url = f"{self.base_url}/?{urlencode(query)}"
            response = get(
                self.client, url, self.retry, label=f"bucket listing {prefix}", timeout=self.timeout_s
            )
            page_keys, page_prefixes, token = _parse_listing(response.text, prefix)
            keys += page_keys
            prefixes += page_prefixes
            if not token:
                return keys, prefixes

    def slots_of_day(self, day: date) -> list[datetime]:
        """The slot times present for a day (UTC), oldest first."""
        _, prefixes = self.listing(f"{PRODUCT}/{day:%Y/%m/%d}/")
        out = []
        for prefix in prefixes:
            hhmm = prefix.rstrip("/").rsplit("/", 1)[-1]
            if re.fullmatch(r"\d{4}", hhmm):
                out.append(datetime(day.year, day.month, day.day, int(hhmm[:2]), int(hhmm[2:]), tzinfo=UTC))
        return sorted(out)

    def slot_files(self, when: datetime, bands: Iterable[str], segments: Iterable[int]) -> list[SegmentFile]:
        """The wanted band segments of a slot that are in the bucket now."""
        wanted_bands, wanted_segments = set(bands), set(segments)
        keys, _ = self.listing(slot_prefix(when))
        out = []
        for key, size in keys:
            match = _NAME.match(key.rsplit("/", 1)[-1])
            if match and match["band"] in wanted_bands and int(match["segment"]) in wanted_segments:
                out.append(SegmentFile(key, match["band"], int(match["segment"]), size))
        return sorted(out, key=lambda f: (f.band, f.segment))

    def download(self, item: SegmentFile, folder: Path) -> Path:
        """Fetch one file into ``folder`` (written under a temporary name, then renamed)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / item.name
        if target.is_file() and target.stat().st_size == item.size:
            return target
        response = get(
            self.client, f"{self.base_url}/{item.key}", self.retry, label=item.name, timeout=self.timeout_s
        )
        if item.size and len(response.content) != item.size:
            raise SourceUnavailableError(
                f"{item.name}: got {len(response.content)} bytes, the listing says {item.size}"
            )
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(response.content)
        partial.replace(target)
        return target


def _parse_listing(text: str, prefix: str) -> tuple[list[tuple[str, int]], list[str], str | None]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise SourceUnavailableError(f"bucket listing {prefix}: not S3 XML ({exc})") from exc
    if not root.tag.endswith("ListBucketResult"):
        raise SourceUnavailableError(f"bucket listing {prefix}: unexpected answer <{root.tag}>")
    keys = [
        (
            c.findtext(f"{_NS}Key") or c.findtext("Key") or "",
            int(c.findtext(f"{_NS}Size") or c.findtext("Size") or 0),
        )
        for c in [*root.iter(f"{_NS}Contents"), *root.iter("Contents")]
    ]
    prefixes = [
        p.findtext(f"{_NS}Prefix") or p.findtext("Prefix") or ""
        for p in [*root.iter(f"{_NS}CommonPrefixes"), *root.iter("CommonPrefixes")]
    ]
    truncated = (root.findtext(f"{_NS}IsTruncated") or root.findtext("IsTruncated") or "").lower() == "true"
    token = root.findtext(f"{_NS}NextContinuationToken") or root.findtext("NextContinuationToken")
    return keys, prefixes, token if truncated else None
