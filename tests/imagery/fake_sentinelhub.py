"""A local stand-in for Sentinel Hub's token, Catalog and Process endpoints (127.0.0.1).

It answers the URL shapes the real ``sentinelhub`` client calls and renders a float32
multi-band GeoTIFF of the requested size with a hot pixel in every tile. ``faults``
injects 401 on the token, 429 once on process, or a truncated TIFF.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi import FastAPI, Request, Response
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds

from tests import servers


@dataclass
class Faults:
    unauthorized: bool = False
    rate_limit_once: bool = False
    truncate: bool = False
    calls: list[str] = field(default_factory=list)


def _token() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'sub': 'test', 'exp': int(time.time()) + 3600})}.sig"


def make_app(faults: Faults) -> FastAPI:
    app = FastAPI()

    @app.post("/oauth/token")
    async def token() -> Response:
        faults.calls.append("token")
        if faults.unauthorized:
            return Response('{"error":"invalid_client"}', status_code=401, media_type="application/json")
        body = {"access_token": _token(), "token_type": "Bearer", "expires_in": 3600}
        return Response(json.dumps(body), media_type="application/json")

    @app.post("/api/v1/catalog/1.0.0/search")
    async def search(request: Request) -> dict[str, Any]:
        faults.calls.append("search")
        body = await request.json()
        start = body["datetime"].split("/")[0]
        features = [
            {
                "id": "S2B_MSIL1C_20241028T031809_N0511_R118_T49SGA_20241028T040000",
                "type": "Feature",
                "properties": {"datetime": start.replace("00:00:00", "03:18:09"), "eo:cloud_cover": 3.5},
            },
            {
                "id": "S2A_MSIL1C_20241029T031809_N0511_R118_T49SGA_20241029T040000",
                "type": "Feature",
                "properties": {"datetime": start.replace("00:00:00", "03:18:09"), "eo:cloud_cover": 55.0},
            },
        ]
        return {"type": "FeatureCollection", "features": features, "context": {"limit": 100, "returned": 2}}

    @app.post("/api/v1/process")
    async def process(request: Request) -> Response:
        faults.calls.append("process")
        if faults.rate_limit_once:
            faults.rate_limit_once = False
            return Response('{"error":{"status":429}}', status_code=429, headers={"Retry-After": "0"})
        body = await request.json()
        width, height = body["output"]["width"], body["output"]["height"]
        bands = body["evalscript"].count("s.dataMask ?")
        data = _scene(width, height, bands)
        x0, y0, x1, y1 = body["input"]["bounds"]["bbox"]
        with MemoryFile() as mem:
            with mem.open(
                driver="GTiff",
                width=width,
                height=height,
                count=bands,
                dtype="float32",
                transform=from_bounds(x0, y0, x1, y1, width, height),
            ) as ds:
                ds.write(data)
            payload = mem.read()
        if faults.truncate:
            payload = payload[: len(payload) // 3]
        return Response(payload, media_type="image/tiff")

    return app


def _scene(width: int, height: int, bands: int) -> np.ndarray:
    """Background vegetation and one hot pixel in the middle (B04, B8A, B11, B12 order)."""
    base = np.array([0.05, 0.30, 0.20, 0.10][:bands], dtype=np.float32)
    data = np.broadcast_to(base[:, None, None], (bands, height, width)).copy()
    if bands == 4:
        data[:, height // 2, width // 2] = [0.08, 0.25, 0.45, 0.95]
    return data


class FakeSentinelHub(servers.AppServer):
    """Run the fake on a free port in a thread."""

    def __init__(self) -> None:
        self.faults = Faults()
        super().__init__(make_app(self.faults))
