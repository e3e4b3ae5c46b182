"""Active fires in geostationary slots: masks, the contextual 3.9/11 µm test, FRP, and the per-pixel
temporal background."""
