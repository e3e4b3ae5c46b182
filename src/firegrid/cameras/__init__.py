"""Cameras: registry, streams, temporal confirmation, geolocation, triangulation, patrols."""
