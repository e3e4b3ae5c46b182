"""Drone imagery: pose from EXIF/XMP, ground footprints, FLIR radiometric data, detection on images."""
