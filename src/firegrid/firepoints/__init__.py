"""Parsers for fire-point lists made by others: FIRMS CSV/JSON, CSPP VIIRS EDR text, bulletins."""

from firegrid.firepoints.formats import FORMATS, detect_format, read_fire_points
from firegrid.firepoints.result import ParseResult

__all__ = ["FORMATS", "ParseResult", "detect_format", "read_fire_points"]
