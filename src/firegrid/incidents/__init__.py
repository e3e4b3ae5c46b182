"""Space-time clustering of detections into incidents."""

from firegrid.incidents.clustering import ClusterPoints, assign_incidents

__all__ = ["ClusterPoints", "assign_incidents"]
