"""GDAL with the doors shut: a driver allowlist at every open, no network, no virtual file systems.

firegrid loads two GDAL libraries: rasterio's (rasters) and pyogrio's (vectors).

* rasterio: every open names the one driver the gate sniffed (``GTiff`` or ``JP2OpenJPEG``), which
  GDAL passes to ``GDALOpenEx`` as the allowed-drivers list, inside ``rasterio.Env(SAFE_CONFIG)``.
* pyogrio cannot pass allowed drivers, so on first use every driver but the vector allowlist is
  deregistered from pyogrio's GDAL (Linux; elsewhere the byte sniffing in ``sniff`` is the guard),
  and ``SAFE_CONFIG`` is set as its process-wide configuration.

``SAFE_CONFIG`` sends any HTTP request GDAL might still try (a GeoJSON ``crs`` link, a GMLJP2 xlink)
to a closed local port, limits ``/vsicurl/`` to an extension no file has, keeps GDAL from listing
folders or reading ``.aux.xml`` side files next to user files, and keeps VRT Python and SQLite's
VirtualOGR off.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)

VECTOR_DRIVERS = ("GeoJSON", "ESRI Shapefile", "GPKG", "CSV", "XLSX")
RASTER_DRIVERS = ("GTiff", "JP2OpenJPEG")  # Landsat GeoTIFF, Sentinel-2 SAFE JPEG 2000, band folders

SAFE_CONFIG = {
    "GDAL_HTTP_PROXY": "127.0.0.1:9",  # discard port: nothing listens, nothing leaves
    "GDAL_HTTP_TIMEOUT": "2",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".firegrid-no-network",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_MEM_ENABLE_OPEN": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_ALL": "NO",
}

_lock = threading.Lock()
_pyogrio_ready = False


def harden_pyogrio(keep: Collection[str] = VECTOR_DRIVERS) -> None:
    """Once per process: pyogrio's GDAL gets ``SAFE_CONFIG`` and loses every driver not in ``keep``."""
    global _pyogrio_ready
    with _lock:
        if _pyogrio_ready:
            return
        import pyogrio

        pyogrio.set_gdal_config_options(SAFE_CONFIG)
        removed = _deregister_drivers(keep)
        log.debug("pyogrio GDAL: %d drivers removed, kept %s", removed, sorted(keep))
        _pyogrio_ready = True


def pyogrio_drivers() -> set[str]:
    """The drivers pyogrio's GDAL still has."""
    import pyogrio

    return set(pyogrio.list_drivers())


def _pyogrio_library() -> ctypes.CDLL | None:
    """pyogrio's already loaded libgdal (found in this process's memory map)."""
    maps = Path("/proc/self/maps")
    if not maps.is_file() or not hasattr(os, "RTLD_NOLOAD"):
        return None
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "libgdal" in line}
    ours = sorted(p for p in paths if "pyogrio" in p)
    if not ours:
        return None
    library = ctypes.CDLL(ours[0], mode=os.RTLD_NOLOAD)
    library.GDALGetDriverCount.restype = ctypes.c_int
    library.GDALGetDriver.restype = ctypes.c_void_p
    library.GDALGetDriver.argtypes = [ctypes.c_int]
    library.GDALGetDriverShortName.restype = ctypes.c_char_p
    library.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
    library.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
    return library


def _deregister_drivers(keep: Collection[str]) -> int:
    import pyogrio  # noqa: F401  (loads its GDAL and registers the drivers)

    library = _pyogrio_library()
    if library is None:
        log.warning("cannot restrict pyogrio's GDAL drivers on this platform; the byte sniffing guards")
        return 0
    handles = [library.GDALGetDriver(i) for i in range(library.GDALGetDriverCount())]
    doomed = [h for h in handles if library.GDALGetDriverShortName(h).decode() not in keep]
    for handle in doomed:
        library.GDALDeregisterDriver(handle)
    return len(doomed)
