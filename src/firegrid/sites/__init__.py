"""Construction sites: the registry format (with geodesic area) and the video/monitor rule."""
