"""Fine-tune from an exported model: put the weights of an ONNX graph back into :class:`SmokeFireNet`.

The exporter folds each batch-norm into the convolution before it, so the graph holds one (weight, bias)
per convolution. They are matched to the network's convolutions in execution order (shapes must agree);
a folded convolution gets the graph's weight and its batch-norm becomes the identity plus the graph's bias
(mean 0, variance 1 − eps, scale 1). In eval mode the network then computes what the graph computes —
:func:`load_onnx_weights` checks that on a probe image. Train such a network with ``optim.freeze_bn`` so
batch statistics do not replace the identity statistics.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from firegrid.errors import ConfigError
from firegrid.training.network import ExportWrapper, SmokeFireNet

log = logging.getLogger(__name__)


def _execution_order(net: SmokeFireNet, size: int) -> list[nn.Module]:
    """Convolutions and batch-norms in the order one forward pass runs them."""
    order: list[nn.Module] = []
    hooks = [
        m.register_forward_hook(lambda mod, _i, _o: order.append(mod))
        for m in net.modules()
        if isinstance(m, nn.Conv2d | nn.BatchNorm2d)
    ]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return order


def _graph_convs(path: Path) -> list[tuple[np.ndarray, np.ndarray | None]]:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:  # folded tensors may be Constant nodes, equal ones shared through Identity
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            weights[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
    out = []
    for node in graph.node:
        if node.op_type == "Conv":
            bias = weights[node.input[2]] if len(node.input) > 2 else None
            out.append((weights[node.input[1]], bias))
    return out


def load_onnx_weights(net: SmokeFireNet, path: Path, size: int, sha256: str | None = None) -> float:
    """Copy the graph's weights into ``net``; returns the mean relative output difference on a probe
    image (``ConfigError`` above 0.1 %)."""
    if not path.is_file():
        raise ConfigError(f"init_from: {path} not found")
    if sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise ConfigError(f"init_from: {path} is not the model named by init_sha256 {sha256[:12]}...")
    order = _execution_order(net, size)
    convs = [(i, m) for i, m in enumerate(order) if isinstance(m, nn.Conv2d)]
    graph = _graph_convs(path)
    if len(graph) != len(convs):
        raise ConfigError(f"{path}: {len(graph)} convolutions, the network has {len(convs)}")
    with torch.no_grad():
        for (i, conv), (weight, bias) in zip(convs, graph, strict=True):
            if tuple(conv.weight.shape) != weight.shape:
                raise ConfigError(f"{path}: weight {weight.shape} does not fit {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(np.array(weight)))
            follower = order[i + 1] if i + 1 < len(order) else None
            if conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(np.array(_bias(bias, conv))))
            elif isinstance(follower, nn.BatchNorm2d):
                follower.weight.fill_(1.0)
                follower.bias.copy_(torch.from_numpy(np.array(_bias(bias, conv))))
                follower.running_mean.zero_()  # type: ignore[union-attr]
                follower.running_var.fill_(1.0 - follower.eps)  # type: ignore[union-attr]
            elif bias is not None and np.abs(bias).max() > 0:
                raise ConfigError(f"{path}: a bias for a convolution that has none and no batch-norm")
    return _check(net, path, size)


def _bias(bias: np.ndarray | None, conv: nn.Conv2d) -> np.ndarray:
    return bias if bias is not None else np.zeros(conv.out_channels, np.float32)


def _check(net: SmokeFireNet, path: Path, size: int) -> float:
    import onnxruntime as ort

    probe = np.random.default_rng(0).random((1, 3, size, size), dtype=np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"images": probe})[0]
    with torch.no_grad():
        got = ExportWrapper(net.eval())(torch.from_numpy(probe)).numpy()
    # mean relative difference: a peak of two nearly equal neighbours may flip in the in-graph max-pool
    diff = float((np.abs(got - expected) / (1 + np.abs(expected))).mean())
    log.info("weights from %s: mean relative output difference %.2e", path, diff)
    if diff > 1e-3:
        raise ConfigError(f"{path}: the network does not reproduce the graph (difference {diff:.3g})")
    return diff
