r"""Shape arithmetic: output sizes and parameter counts, layer by layer.

Output size :math:`H' = 1 + \lfloor (H + 2P - d(HH-1) - 1) / S \rfloor` (the seed's (W - F + 2P)/S + 1 when
d = 1 and the division is exact); a convolution has (HH*WW*C + 1)*F parameters, one bias per filter.

>>> summarize((28, 28, 1), [("conv", 32, 3), ("maxpool", 2), ("conv", 64, 3)])[-1]
Layer(kind='conv', output=(11, 11, 64), params=18496)
"""
from __future__ import annotations

from typing import NamedTuple

from ._validate import out_size

__all__ = ["Layer", "conv_params", "out_size", "summarize"]


def conv_params(kernel_hw: tuple[int, int], channels: int, filters: int, *, bias: bool = True) -> int:
    """Parameters of a convolution layer: (HH*WW*C + 1)*F.

    >>> conv_params((5, 5), 1, 6)  # LeNet-5 C1
    156
    """
    return (kernel_hw[0] * kernel_hw[1] * channels + int(bias)) * filters


class Layer(NamedTuple):
    kind: str
    output: tuple[int, ...]
    params: int


def summarize(input_hwc: tuple[int, int, int], layers) -> list[Layer]:
    """A model summary (channels last; convolutions valid unless given a pad): shapes and parameters.

    ``layers`` holds ("conv", filters, kernel[, stride, pad]), ("maxpool"|"meanpool", window[, stride]),
    ("flatten",) and ("dense", units).
    """
    shape, out = tuple(input_hwc), []
    for layer in layers:
        kind = layer[0]
        if kind == "conv":
            f, k, s, pad = (*layer[1:], 1, 0)[:4]
            h, w, c = shape
            shape = (out_size(h, k, stride=s, pad=pad), out_size(w, k, stride=s, pad=pad), f)
            out.append(Layer(kind, shape, conv_params((k, k), c, f)))
        elif kind in ("maxpool", "meanpool"):
            k = layer[1]
            s = layer[2] if len(layer) > 2 else k
            h, w, c = shape
            shape = (out_size(h, k, stride=s), out_size(w, k, stride=s), c)
            out.append(Layer(kind, shape, 0))
        elif kind == "flatten":
            total = 1
            for d in shape:
                total *= d
            shape = (total,)
            out.append(Layer(kind, shape, 0))
        elif kind == "dense":
            units = layer[1]
            out.append(Layer(kind, (units,), (shape[0] + 1) * units))
            shape = (units,)
        else:
            raise ValueError(f"layers: unknown layer kind {kind!r}; expected conv, maxpool, meanpool, flatten, dense")
    return out
