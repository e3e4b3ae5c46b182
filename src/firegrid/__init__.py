"""firegrid: fire points and dust sources, routed to the grid inspector of each village."""

__version__ = "0.1.0"

__all__ = ["__version__"]
