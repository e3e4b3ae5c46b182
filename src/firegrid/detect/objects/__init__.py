"""Object detectors on images (smoke, fire, dust): ONNX runtime, decoders, NMS, slicing."""

from firegrid.detect.objects.boxes import Boxes, nms
from firegrid.detect.objects.model import ObjectModel

__all__ = ["Boxes", "ObjectModel", "nms"]
