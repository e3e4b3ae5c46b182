"""Active-fire detectors for Landsat 8/9 OLI and Sentinel-2 MSI scenes.

Each detector splits into per-pixel tests (shipped as an ONNX graph, see ``models/``)
and neighbourhood/contextual steps run in numpy at candidate pixels.
"""
