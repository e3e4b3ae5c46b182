"""Scene readers (Landsat 8/9 Collection 2 L1, Sentinel-2 L1C/L2A, band folders) and windowed reads."""

from firegrid.imagery.open import open_scene
from firegrid.imagery.scene import BandSource, Scene

__all__ = ["BandSource", "Scene", "open_scene"]
