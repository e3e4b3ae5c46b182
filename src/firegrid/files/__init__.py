"""The file gate: every file or path that comes from outside goes through here.

* ``paths``: path strings checked (NUL, ``/vsi*``, URLs, inline XML) and confined to the data roots
  after following links;
* ``sniff``: the bytes must be the format the suffix promises and carry no VRT/GDALG markup;
* ``archives``: zips listed and bounded; a zipped Shapefile unpacked by firegrid itself;
* ``gdal``: a driver allowlist at every GDAL open, no network, no virtual file systems;
* ``gate``: ``read_vector_raw`` and ``open_raster``, the only openers of outside files.

See docs/security.md ("File gate and runtime hardening").
"""

from firegrid.files.gate import checked_path, open_raster, read_vector_raw, vector_source
from firegrid.files.paths import confine, is_inside, resolve

__all__ = [
    "checked_path",
    "confine",
    "is_inside",
    "open_raster",
    "read_vector_raw",
    "resolve",
    "vector_source",
]
