"""CenterNet targets and losses: elliptical Gaussian heatmaps, log-size and sub-cell offset at box centres."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from firegrid.training.network import STRIDE


def encode(
    boxes: NDArray[np.float32], labels: list[int], n_classes: int, size: int
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
    """Heatmap (C, H, W), regression targets (4, H, W: log w, log h, off x, off y) and their mask (H, W)."""
    grid = size // STRIDE
    heat = np.zeros((n_classes, grid, grid), np.float32)
    reg = np.zeros((4, grid, grid), np.float32)
    mask = np.zeros((grid, grid), np.float32)
    ys, xs = np.mgrid[0:grid, 0:grid].astype(np.float32)
    order = np.argsort(-_areas(boxes))  # small boxes last: they win a shared centre cell
    for i in order:
        x0, y0, x1, y1 = boxes[i] / STRIDE
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w, h = max(x1 - x0, 1e-3), max(y1 - y0, 1e-3)
        ix, iy = min(int(cx), grid - 1), min(int(cy), grid - 1)
        sx, sy = max(w / 6, 0.5), max(h / 6, 0.5)
        g = np.exp(-((xs - ix) ** 2) / (2 * sx**2) - ((ys - iy) ** 2) / (2 * sy**2))
        heat[labels[i]] = np.maximum(heat[labels[i]], g)
        heat[labels[i], iy, ix] = 1.0
        reg[:, iy, ix] = (np.log(w), np.log(h), cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return heat, reg, mask


def _areas(boxes: NDArray[np.float32]) -> NDArray[np.float32]:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def focal_loss(logits: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
    """CenterNet's penalty-reduced focal loss, summed and divided by the number of centres (at least 1).

    ``weight`` (B, C): 0 leaves a sample's class channel out of the loss (a photo that teaches only `fire`).
    """
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    w = torch.ones_like(pos) if weight is None else weight[:, :, None, None].expand_as(pos)
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos * w
    neg_loss = -torch.log(1 - p) * p**2 * (1 - target) ** 4 * (1 - pos) * w
    return (pos_loss.sum() + neg_loss.sum()) / (pos * w).sum().clamp(min=1.0)


def distill_loss(student: Tensor, teacher: Tensor, weight: Tensor) -> Tensor:
    """Keep the heatmap where the earlier model had it ("learning without forgetting"): squared differences
    of the two models' probabilities, summed over a frame's cells, averaged over the frames. ``weight``
    (B, C): which class channels of which frames are held to the earlier model."""
    diff = (torch.sigmoid(student) - torch.sigmoid(teacher)) ** 2 * weight[:, :, None, None]
    return diff.sum() / max(1, student.shape[0])


def detection_loss(
    outputs: tuple[Tensor, Tensor, Tensor],
    heat: Tensor,
    reg: Tensor,
    mask: Tensor,
    class_weight: Tensor | None = None,
) -> dict[str, Tensor]:
    """Heatmap, size and offset losses of a batch (``class_weight``: see :func:`focal_loss`)."""
    heat_logits, size, offset = outputs
    n = mask.sum().clamp(min=1.0)
    m = mask.unsqueeze(1)
    size_loss = (torch.abs(size - reg[:, :2]) * m).sum() / n
    off_loss = (torch.abs(torch.sigmoid(offset) - reg[:, 2:]) * m).sum() / n
    heat_loss = focal_loss(heat_logits, heat, class_weight)
    return {
        "heat": heat_loss,
        "size": size_loss,
        "offset": off_loss,
        "total": heat_loss + size_loss + off_loss,
    }
