"""The grid tree (city -> county -> township -> village -> plot) and point routing."""

from firegrid.grid.cells import LEVELS, GridCell, GridTree
from firegrid.grid.routing import GridIndex, Routes

__all__ = ["LEVELS", "GridCell", "GridIndex", "GridTree", "Routes"]
