"""Detectors and the columnar detection type they all produce."""

from firegrid.detect.detections import Detections

__all__ = ["Detections"]
