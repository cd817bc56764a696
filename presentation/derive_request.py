r"""What ``gradproof derive OP`` asks for, as one typed request, and the library call that answers it.

The command line passes the options it parsed; :func:`request` refuses an option the operation does not
read (naming it: a given option is never silently ignored) and fills in the defaults; :func:`refuse_costly`
asks the cost model before SymPy is loaded (that alone takes about a second); :func:`derive` calls the
derivation. Nothing here imports SymPy, numpy or rich, so the command line can import it for ``--help``.

>>> r = request("mean-pool", {"input": (7, 7), "window": (3,), "stride": 2})
>>> r.input, r.window, r.stride, r.pad
((7, 7), (3,), 2, 0)
>>> request("full-conv", {"pad": 1})
Traceback (most recent call last):
...
derivations._validate.GradproofError: --pad does not apply to derive full-conv (it reads --input, --kernel, --no-bias)
"""
from __future__ import annotations

from typing import NamedTuple

import derivations  # loads a derivation module (and SymPy) on first use, not here
from derivations import cost
from derivations._validate import GradproofError

#: The operations of ``derive``, with the sentence ``derive --help`` shows for each.
DERIVE_OPS = {"conv": "2-D convolution (cross-correlation, as frameworks compute it)",
              "full-conv": "full convolution, MATLAB's conv2(A, K, 'full'): the kernel is flipped (B11 = A11*K11)",
              "mean-pool": "mean pooling: Kronecker expansion when stride = window, scatter-add otherwise",
              "max-pool": "max pooling at concrete --values: first-argmax routing, overlaps accumulate",
              "relu": "ReLU, elementwise: dZ = G .* [Z > 0]; 0 at the kink Z = 0 (--values shows it)",
              "sigmoid": "sigmoid, elementwise: dZ = G .* a .* (1 - a) with a = sigmoid(Z)",
              "deltas": "the DeepLearnToolbox layer deltas: conv -> sigmoid -> mean-pool (--window is the scale)",
              "dense": "dense (affine) layer out = x @ w + b: dx = dout @ w.T, dw = x.T @ dout (--input D or NxD)",
              "flatten": "flatten, row-major: dx = dout reshaped in the forward's order (--input HxWxC)",
              "softmax": "softmax + cross-entropy: dL/dz = p - onehot(label); softmax alone's Jacobian",
              "network": "the course notes' CNN conv3x3 -> maxpool 2 -> flatten -> dense -> softmax+CE, "
                         "layer by layer (--input HxW)"}

#: The options each op reads; any other option given on the command line is an error, never ignored.
DERIVE_OPTIONS = {"conv": {"input", "kernel", "stride", "pad", "dilation", "no_bias"},
                  "full-conv": {"input", "kernel", "no_bias"},
                  "mean-pool": {"input", "window", "stride", "pad", "values"},
                  "max-pool": {"input", "window", "stride", "pad", "values"},
                  "relu": {"input", "values"}, "sigmoid": {"input", "values"},
                  "deltas": {"input", "kernel", "window", "filters"},
                  "dense": {"input", "units"}, "flatten": {"input"}, "softmax": {"classes", "label", "values"},
                  "network": {"input", "filters", "classes", "label"}}
_DEFAULTS = {"input": (5, 5), "kernel": (3, 3), "stride": None, "pad": 0, "dilation": 1, "no_bias": False,
             "window": (2,), "values": None, "filters": 2, "units": 3, "classes": 3, "label": 0}
#: where an op's own default differs (the deltas' conv output must tile by the pooling scale)
_OP_DEFAULTS = {"deltas": {"input": (6, 6)}, "relu": {"input": (2, 3)}, "sigmoid": {"input": (2, 2)},
                # a batch of two (a one-row dense layer hides db = dout[0]) of three inputs, three units (D = M:
                # dx = dout @ w has the right shape and the wrong entries)
                "dense": {"input": (2, 3)}, "flatten": {"input": (2, 2, 2)}, "network": {"input": (6, 6)}}


class DeriveRequest(NamedTuple):
    """One ``derive`` command: the op and every option it reads, defaults filled in (``stride`` None: the
    op's own default, 1 for a convolution and the window for pooling; ``window`` one size or two)."""

    op: str
    input: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: int | None
    pad: int
    dilation: int
    no_bias: bool
    window: tuple[int, ...]
    values: list[str] | None
    filters: int
    units: int
    classes: int
    label: int


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def request(op: str, given: dict) -> DeriveRequest:
    """The request for ``op`` from the options ``given`` (None: left out); GradproofError naming an option
    the op does not read."""
    reads = DERIVE_OPTIONS[op]
    for name, value in given.items():
        if value is not None and name not in reads:
            raise GradproofError(f"{_flag(name)} does not apply to derive {op} "
                                 f"(it reads {', '.join(_flag(o) for o in sorted(reads))})")
    filled = {**_DEFAULTS, **_OP_DEFAULTS.get(op, {})}
    filled.update((k, v) for k, v in given.items() if v is not None)
    return DeriveRequest(op=op, **filled)


def refuse_costly(r: DeriveRequest, fmt: str = "text") -> None:
    """The cost model's refusal (GradproofError with the largest shape that fits) before SymPy is imported."""
    if r.op == "conv" and len(r.input) == len(r.kernel):
        cost.check_conv(r.input, r.kernel, stride=r.stride or 1, pad=r.pad, dilation=r.dilation, fmt=fmt)
    elif r.op == "full-conv" and len(r.input) == len(r.kernel):
        cost.check_full_conv(r.input, r.kernel, fmt=fmt)
    elif r.op in ("relu", "sigmoid") and len(r.input) in (1, 2):
        cost.check_activation(r.op, r.input)
    elif r.op == "dense" and len(r.input) in (1, 2):
        cost.check_network_sizes("dense", {"products": r.input[-1] * r.units * (r.input[0] if len(r.input) == 2 else 1)})
    elif r.op == "flatten":
        cost.check_network_sizes("flatten", {"entries": _product(r.input)})
    elif r.op == "softmax":
        cost.check_network_sizes("softmax", {"classes": r.classes})
    elif r.op == "network":
        cost.check_network_sizes("network", {"input side": max(r.input), "filters": r.filters, "classes": r.classes})
    elif r.op in ("mean-pool", "max-pool") and len(r.input) in (2, 3) and len(r.window) in (1, 2):
        window = tuple(r.window) * (3 - len(r.window))
        stride = window if r.stride is None else (r.stride, r.stride)
        if min(stride) >= 1 and r.pad >= 0:  # else derive_pool2d names the mistake
            cost.check_pool(r.op.split("-")[0], r.input[-2:], window, stride, (r.pad, r.pad),
                            channels=r.input[0] if len(r.input) == 3 else 1)


def _product(shape) -> int:
    n = 1
    for v in shape:
        n *= v
    return n


def derive(r: DeriveRequest):
    """The :class:`derivations.Derivation` the request names."""
    if r.op == "dense":
        if len(r.input) not in (1, 2):
            raise GradproofError(f"--input for dense is D or NxD (a batch of N), got {'x'.join(map(str, r.input))}")
        return derivations.derive_dense(r.input[-1], r.units, batch=r.input[0] if len(r.input) == 2 else None)
    if r.op == "flatten":
        return derivations.derive_flatten(r.input)
    if r.op == "softmax":
        return derivations.derive_softmax_ce(r.classes, label=r.label, values=r.values)
    if r.op == "network":
        if len(r.input) != 2:
            raise GradproofError(f"--input for network is HxW, got {'x'.join(map(str, r.input))}")
        return derivations.derive_network(r.input, r.filters, r.classes, label=r.label)
    if r.op in ("relu", "sigmoid"):
        return derivations.derive_activation(r.op, r.input, values=r.values)
    if r.op == "deltas":
        if len(r.window) != 1:
            raise GradproofError(f"--window for deltas is one scale s (s x s mean pooling), "
                                 f"got {'x'.join(map(str, r.window))}")
        return derivations.derive_layer_deltas(r.input, r.kernel, filters=r.filters, scale=r.window[0])
    if r.op in ("mean-pool", "max-pool"):
        window = r.window[0] if len(r.window) == 1 else r.window
        return derivations.derive_pool2d(r.op.split("-")[0], r.input, window, stride=r.stride, pad=r.pad,
                                         values=r.values)
    if r.op == "full-conv":
        return derivations.derive_full_conv2d(r.input, r.kernel, bias=not r.no_bias)
    return derivations.derive_conv2d(r.input, r.kernel, stride=1 if r.stride is None else r.stride, pad=r.pad,
                                     dilation=r.dilation, bias=not r.no_bias)
