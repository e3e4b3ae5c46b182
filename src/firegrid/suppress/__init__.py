"""Suppression: industrial heat sources, no-alert zones and sanity rules."""

from firegrid.suppress.heat_sources import HeatSource, read_heat_sources
from firegrid.suppress.matching import SuppressionIndex, spurious_mask

__all__ = ["HeatSource", "SuppressionIndex", "read_heat_sources", "spurious_mask"]
