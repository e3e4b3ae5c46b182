"""What the pages need besides the data: the message catalogue with the display time zone, the basemap
configuration, and local basemap tiles (MBTiles / PMTiles)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from firegrid import i18n
from firegrid.api.access import At, access
from firegrid.api.deps import PrincipalDep, StateDep
from firegrid.api.schemas import binary
from firegrid.errors import NotFoundError
from firegrid.tiles import tile_file

router = APIRouter(tags=["pages"])
CATALOGUE_CACHE = "public, max-age=300"
TILE_CACHE = "public, max-age=86400"


@router.get("/i18n/messages.json", **access(At.PUBLIC, None))
def messages(state: StateDep) -> JSONResponse:
    """Every label a person reads, ``{"group.code": {"zh": ..., "en": ...}}``, with the zone the pages
    show times in (no login: the login form needs it)."""
    body = {
        "zone": state.runtime.settings.pipeline.timezone,
        "default": i18n.DEFAULT_LANG,
        "langs": list(i18n.LANGS),
        "messages": i18n.catalogue(),
    }
    return JSONResponse(body, headers={"Cache-Control": CATALOGUE_CACHE})


@router.get("/basemap.json", **access(At.DEPLOYMENT, reads=("basemap",)))
def basemap(_: PrincipalDep, state: StateDep) -> dict[str, Any]:
    """The configured basemap as Leaflet tile layers (``kind: none`` and no layers by default)."""
    return state.runtime.settings.basemap.client_config()


@router.get(
    "/tiles/{z}/{x}/{y}", responses=binary("image/png", "image/jpeg", "image/webp"), **access(At.PUBLIC, None)
)
def tile(z: int, x: int, y: int, state: StateDep) -> Response:
    """A basemap tile from the configured MBTiles / PMTiles file (no login: map tiles are plain images).

    A tile the file does not hold (outside its area or zoom levels) is an empty 204, cached like a tile:
    Leaflet leaves that square blank without a failed request in the console; a 404 with the error body
    means no local basemap is configured."""
    config = state.runtime.settings.basemap
    if config.kind not in ("mbtiles", "pmtiles") or config.file is None:
        raise NotFoundError("no local basemap file is configured (FIREGRID_BASEMAP__KIND=mbtiles|pmtiles)")
    tiles = tile_file(config.file, config.kind)
    data = tiles.get(z, x, y)
    if data is None:
        return Response(status_code=204, headers={"Cache-Control": TILE_CACHE})
    return Response(data, media_type=tiles.media_type, headers={"Cache-Control": TILE_CACHE})
