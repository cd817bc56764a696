r"""Shape arithmetic: output sizes and parameter counts, layer by layer (a Keras-style model summary).

Output size :math:`H' = 1 + \lfloor (H + 2P - d(HH-1) - 1) / S \rfloor` (the seed's (W - F + 2P)/S + 1 when
d = 1 and the division is exact); a convolution has (HH*WW*C + 1)*F parameters, one bias per filter. A
convolution with a connection table (LeNet-5's C3) gives output map f a kernel over its own input maps only:
:math:`\sum_f (HH \cdot WW \cdot |T_f| + 1)`.

>>> summarize((28, 28, 1), [("conv", 32, 3), ("maxpool", 2), ("conv", 64, 3)])[-1]
Layer(kind='conv', output=(11, 11, 64), params=18496)
>>> summarize((28, 28, 1), [("conv", 8, 3, 2)])[0].output  # a stride alone: no padding
(13, 13, 8)
"""
from __future__ import annotations

from typing import NamedTuple

from ._validate import GradproofError, out_size, pair, whole

__all__ = ["LENET5_C3_TABLE", "Layer", "conv_params", "out_size", "summarize"]

#: LeNet-5's C3 (LeCun et al. 1998, Table I): the S2 maps (0-5) each of the 16 C3 maps reads. Six read three
#: neighbouring maps, six read four neighbouring ones, three read four non-neighbouring ones, one reads all.
LENET5_C3_TABLE = ((0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
                   (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
                   (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5))

#: the layer kinds and how many arguments each takes after its name (fewest, most)
ARITY = {"conv": (2, 5), "conv_table": (2, 5), "maxpool": (1, 2), "meanpool": (1, 2), "subsample": (1, 2),
         "flatten": (0, 0), "dense": (1, 1), "rbf": (1, 1)}


def conv_params(kernel_hw: tuple[int, int], channels: int, filters: int, *, bias: bool = True) -> int:
    """Parameters of a convolution layer: (HH*WW*C + 1)*F.

    >>> conv_params((5, 5), 1, 6)  # LeNet-5 C1
    156
    """
    return (kernel_hw[0] * kernel_hw[1] * channels + int(bias)) * filters


def table_params(kernel_hw: tuple[int, int], table, *, bias: bool = True) -> int:
    """Parameters of a convolution whose output map f reads only the input maps ``table[f]``.

    >>> table_params((5, 5), LENET5_C3_TABLE)  # LeNet-5 C3: 6 maps of 3 inputs, 9 of 4, 1 of 6
    1516
    """
    return sum(conv_params(kernel_hw, len(maps), 1, bias=bias) for maps in table)


class Layer(NamedTuple):
    kind: str
    output: tuple[int, ...]
    params: int


def _table(where: str, table, channels: int) -> tuple[tuple[int, ...], ...]:
    """A connection table checked against the input's channels: one non-empty set of map indices per output."""
    try:
        rows = tuple(tuple(whole(f"{where}: table entry", c, low=0) for c in maps) for maps in table)
    except TypeError:
        raise GradproofError(f"{where}: table must list, for each output map, the input maps it reads; "
                             f"got {table!r}") from None
    for f, maps in enumerate(rows):
        if not maps or len(set(maps)) != len(maps) or max(maps) >= channels:
            raise GradproofError(f"{where}: table row {f} must name distinct input maps 0..{channels - 1}, "
                                 f"got {maps!r}")
    if not rows:
        raise GradproofError(f"{where}: table is empty")
    return rows


def _spatial(where: str, hw, kernel, stride, pad) -> tuple[int, int]:
    oh, ow = (out_size(n, k, stride=s, pad=p) for n, k, s, p in zip(hw, kernel, stride, pad))
    if oh < 1 or ow < 1:
        raise GradproofError(f"{where}: window {kernel[0]}x{kernel[1]} does not fit the {hw[0]}x{hw[1]} input "
                             f"with pad {pad[0]}x{pad[1]}")
    return oh, ow


def summarize(input_hwc: tuple[int, int, int], layers) -> list[Layer]:
    """A model summary (channels last; convolutions valid unless given a pad): shapes and parameters.

    ``layers`` holds ("conv", filters, kernel[, stride[, pad[, bias]]]), ("conv_table", table, kernel[, stride[,
    pad[, bias]]]) (``table[f]``: the input maps output map f reads; ``bias`` True unless given),
    ("maxpool"|"meanpool"|"subsample", window[, stride]) (the stride is the window unless given; LeNet-5's
    subsampling learns one coefficient and one bias per map), ("flatten",), ("dense", units) (on the last axis,
    as Keras) and ("rbf", units) (LeNet-5's output: one centre per unit, as long as the last axis, no bias).
    Kernels, windows, strides and pads are a whole number or a (rows, cols) pair.

    >>> summarize((14, 14, 6), [("conv_table", LENET5_C3_TABLE, 5)])
    [Layer(kind='conv_table', output=(10, 10, 16), params=1516)]
    """
    try:
        shape = tuple(whole("input_hwc", v) for v in input_hwc)
    except TypeError:
        shape = ()
    if len(shape) != 3:
        raise GradproofError(f"input_hwc must be three whole numbers (H, W, C), got {input_hwc!r}")
    out = []
    for n, layer in enumerate(layers, start=1):
        if not isinstance(layer, (tuple, list)) or not layer:
            raise GradproofError(f"layers: layer {n} must be a tuple (kind, arguments...), e.g. ('flatten',); "
                                 f"got {layer!r}")
        kind = layer[0]
        if kind not in ARITY:
            raise GradproofError(f"layers: unknown layer kind {kind!r}; expected {', '.join(ARITY)}")
        args, (low, high) = tuple(layer[1:]), ARITY[kind]
        where = f"layer {n} ({kind})"
        if not low <= len(args) <= high:
            raise GradproofError(f"{where} takes {low} to {high} arguments after its kind, got {len(args)}: {layer!r}")
        if kind in ("conv", "conv_table", "maxpool", "meanpool", "subsample") and len(shape) != 3:
            raise GradproofError(f"{where} needs an (H, W, C) input, got {shape!r} (after a flatten or dense)")
        if kind in ("conv", "conv_table"):
            k = pair(f"{where}: kernel", args[1])
            s = pair(f"{where}: stride", args[2] if len(args) > 2 else 1)
            p = pair(f"{where}: pad", args[3] if len(args) > 3 else 0, low=0)
            bias = args[4] if len(args) > 4 else True
            if not isinstance(bias, bool):
                raise GradproofError(f"{where}: bias must be True or False, got {bias!r}")
            if kind == "conv":
                f = whole(f"{where}: filters", args[0])
                params = conv_params(k, shape[2], f, bias=bias)
            else:
                table = _table(where, args[0], shape[2])
                f, params = len(table), table_params(k, table, bias=bias)
            shape = (*_spatial(where, shape[:2], k, s, p), f)
        elif kind in ("maxpool", "meanpool", "subsample"):
            k = pair(f"{where}: window", args[0])
            s = pair(f"{where}: stride", args[1]) if len(args) > 1 else k
            params = 2 * shape[2] if kind == "subsample" else 0  # a coefficient and a bias per map
            shape = (*_spatial(where, shape[:2], k, s, (0, 0)), shape[2])
        elif kind == "flatten":
            total = 1
            for d in shape:
                total *= d
            shape, params = (total,), 0
        else:  # dense or rbf, on the last axis
            units = whole(f"{where}: units", args[0])
            shape, params = (*shape[:-1], units), (shape[-1] + (kind == "dense")) * units
        out.append(Layer(kind, shape, params))
    return out
