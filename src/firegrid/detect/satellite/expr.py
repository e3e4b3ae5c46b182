"""Write per-pixel equations once; evaluate them with numpy or trace them into an ONNX graph.

An equation is a plain function of band arrays and a namespace ``xp`` providing the few
operations Python operators do not cover (``safe_div``). With ``NumpyOps`` the bands are
float32 arrays; with ``OnnxBuilder`` they are ``Sym`` nodes and the same code emits ONNX.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

EPS = float(np.finfo(np.float32).eps)

Float32 = NDArray[np.float32]


class Ops(Protocol):
    """Operations an equation may call besides Python operators."""

    def safe_div(self, a: Any, b: Any) -> Any:
        """``a / b`` with zero denominators replaced by float32 epsilon."""

    def const(self, value: float) -> Any:
        """A float32 constant."""

    def abs(self, a: Any) -> Any:
        """Absolute value."""

    def maximum(self, a: Any, b: Any) -> Any:
        """Element-wise maximum."""

    def minimum(self, a: Any, b: Any) -> Any:
        """Element-wise minimum."""


class NumpyOps:
    """Evaluate equations on float32 numpy arrays (the reference implementation)."""

    def safe_div(self, a: Any, b: Any) -> Any:
        """``a / b`` with zero denominators replaced by float32 epsilon."""
        return a / np.where(b == 0, np.float32(EPS), b)

    def const(self, value: float) -> np.float32:
        """A float32 constant."""
        return np.float32(value)

    def abs(self, a: Any) -> Any:
        """Absolute value."""
        return np.abs(a)

    def maximum(self, a: Any, b: Any) -> Any:
        """Element-wise maximum."""
        return np.maximum(a, b)

    def minimum(self, a: Any, b: Any) -> Any:
        """Element-wise minimum."""
        return np.minimum(a, b)


class Sym:
    """A value in an ONNX graph being traced."""

    def __init__(self, builder: OnnxBuilder, name: str, boolean: bool = False) -> None:
        self.builder = builder
        self.name = name
        self.boolean = boolean

    def _bin(self, op: str, other: Any, boolean: bool = False, swap: bool = False) -> Sym:
        rhs = other.name if isinstance(other, Sym) else self.builder.constant(float(other))
        args = [rhs, self.name] if swap else [self.name, rhs]
        return self.builder.node(op, args, boolean)

    def __add__(self, other: Any) -> Sym:
        return self._bin("Add", other)

    def __radd__(self, other: Any) -> Sym:
        return self._bin("Add", other, swap=True)

    def __sub__(self, other: Any) -> Sym:
        return self._bin("Sub", other)

    def __rsub__(self, other: Any) -> Sym:
        return self._bin("Sub", other, swap=True)

    def __mul__(self, other: Any) -> Sym:
        return self._bin("Mul", other)

    def __rmul__(self, other: Any) -> Sym:
        return self._bin("Mul", other, swap=True)

    def __truediv__(self, other: Any) -> Sym:
        return self._bin("Div", other)

    def __gt__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._bin("Greater", other, boolean=True)

    def __ge__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._bin("GreaterOrEqual", other, boolean=True)

    def __lt__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._bin("Less", other, boolean=True)

    def __le__(self, other: Any) -> Sym:  # type: ignore[override]
        return self._bin("LessOrEqual", other, boolean=True)

    def __and__(self, other: Sym) -> Sym:
        return self.builder.node("And", [self.name, other.name], True)

    def __or__(self, other: Sym) -> Sym:
        return self.builder.node("Or", [self.name, other.name], True)

    def __invert__(self) -> Sym:
        return self.builder.node("Not", [self.name], True)


class OnnxBuilder:
    """Traces an equation into an ONNX graph with float32 [H, W] band inputs and bool outputs."""

    def __init__(self) -> None:
        from onnx import helper

        self._helper = helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._constants: dict[float, str] = {}
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def constant(self, value: float) -> str:
        """The name of a float32 scalar initializer (shared per value)."""
        if value not in self._constants:
            from onnx import TensorProto

            name = self._name("c")
            self.initializers.append(self._helper.make_tensor(name, TensorProto.FLOAT, [], [value]))
            self._constants[value] = name
        return self._constants[value]

    def node(self, op: str, inputs: list[str], boolean: bool = False) -> Sym:
        """Append a node and return its output."""
        out = self._name(op.lower())
        self.nodes.append(self._helper.make_node(op, inputs, [out]))
        return Sym(self, out, boolean)

    def safe_div(self, a: Sym, b: Sym) -> Sym:
        """``a / b`` with zero denominators replaced by float32 epsilon."""
        zero = self.constant(0.0)
        is_zero = self.node("Equal", [b.name, zero], True)
        denominator = self.node("Where", [is_zero.name, self.constant(EPS), b.name])
        return a / denominator

    def const(self, value: float) -> float:
        """Constants are plain floats while tracing."""
        return value

    def abs(self, a: Sym) -> Sym:
        """Absolute value."""
        return self.node("Abs", [a.name])

    def maximum(self, a: Sym, b: Sym) -> Sym:
        """Element-wise maximum."""
        return self.node("Max", [a.name, b.name])

    def minimum(self, a: Sym, b: Sym) -> Sym:
        """Element-wise minimum."""
        return self.node("Min", [a.name, b.name])

    def build(
        self,
        equation: Callable[[Mapping[str, Any], Any], Mapping[str, Any]],
        bands: list[str],
        name: str,
        doc: str,
        metadata: Mapping[str, str],
    ) -> Any:
        """An ONNX ModelProto of ``equation`` (opset 17): boolean tests and float32 values out."""
        from onnx import TensorProto, checker

        h = self._helper
        inputs = {band: Sym(self, band) for band in bands}
        outputs = equation(inputs, self)
        graph_outputs = []
        for out_name, sym in outputs.items():
            self.nodes.append(h.make_node("Identity", [sym.name], [out_name]))
            dtype = TensorProto.BOOL if sym.boolean else TensorProto.FLOAT
            graph_outputs.append(h.make_tensor_value_info(out_name, dtype, ["H", "W"]))
        graph = h.make_graph(
            self.nodes,
            name,
            [h.make_tensor_value_info(b, TensorProto.FLOAT, ["H", "W"]) for b in bands],
            graph_outputs,
            initializer=self.initializers,
        )
        model = h.make_model(
            graph, opset_imports=[h.make_opsetid("", 17)], producer_name="firegrid", doc_string=doc
        )
        model.ir_version = 8
        for key, value in metadata.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        checker.check_model(model)
        return model


def evaluate(
    equation: Callable[[Mapping[str, Any], Any], Mapping[str, Any]], bands: Mapping[str, Float32]
) -> dict[str, NDArray[Any]]:
    """Run an equation with numpy: boolean tests stay boolean, values are float32."""
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in bands.items()}
    out = {}
    for k, v in equation(arrays, NumpyOps()).items():
        value = np.asarray(v)
        out[k] = value if value.dtype == bool else value.astype(np.float32)
    return out
