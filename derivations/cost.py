r"""What an exact derivation will cost, predicted from its shape before any symbolic work starts.

The work of a convolution derivation (forward, gradients read off the terms, two or three proofs) grows with
its number of product terms ``N*F*H'*W'*C*HH*WW``. The whole ``derive conv`` command (import, derivation,
proofs, rendering) was timed in fresh processes on this project's idle 2-core machine and the constants
below fitted; a derivation predicted to take more than ``LIMIT_SECONDS`` is refused, before any symbolic
work, with the largest square input of the same kernel that fits, instead of running for minutes
(100x100 with 5x5: 230,400 terms, 27.7 s, 313 MB, within the limit; 128x128 is refused, 104x104 fits).

>>> conv_terms((5, 5), (3, 3))
81
>>> predict(81).seconds < 2  # mostly the import of SymPy
True
"""
from __future__ import annotations

import os
from typing import NamedTuple

from ._validate import GradproofError, out_size, sizes

#: wall seconds = SECONDS_0 + SECONDS_PER_TERM * terms: ``python bench/derive_cost.py --command`` timed
#: ``derive conv --input SxS --kernel 5x5`` on the idle machine at S = 32, 48, 72, 100 (19,600 to 230,400 terms) took 4.1, 6.6, 14.4
#: and 27.7 s; the line through the 48 and 100 points is within 0.8x-1.0x of all four. Under load the
#: same command ran 3-8 times longer: the prediction is for a machine doing nothing else.
SECONDS_0 = 1.04
SECONDS_PER_TERM = 1.157e-4
#: peak memory of the derivation above the import baseline, MB per term (101 MB at 90,000 terms)
MB_PER_TERM = 1.12e-3
#: wall seconds per entry of an elementwise activation, the largest of three shapes each measured by
#: ``python bench/derive_cost.py --activations`` (sigmoid: 6x6 to 14x14, 51 to 79 ms; ReLU: 10x10 to 30x30,
#: 4.2 to 7.6 ms, still growing with the size: a ReLU near the limit may run past it by a few seconds)
SECONDS_PER_ENTRY = {"sigmoid": 7.85e-2, "relu": 7.58e-3}
#: wall seconds of pooling per unit of work, the largest of its cases in ``bench/derive_cost.py --pooling``:
#: mean pooling per window cell (1.66-1.97 ms), max pooling per window cell times the window's cells, since
#: its Piecewise tries up to n branches of up to n conditions (4.75-6.42 ms)
POOL_SECONDS = {"mean": 1.97e-3, "max": 6.42e-3}
#: the whole command's time over the text view's, by --format: JSON writes every entry as a SymPy string
#: (48x48 with 5x5, fresh processes on an idle machine: 45.6 s against 6.6 s; 3.7x at 32x32, so it grows);
#: Markdown and LaTeX summarise large arrays like the text view (4.2 s against 4.1 s at 32x32)
FORMAT_FACTOR = {"json": 7.0}
#: refuse beyond this prediction: a learner waits for a derivation, not for a batch job
#: (GRADPROOF_NO_LIMIT=1 lifts it, for the benchmark that measures past it)
LIMIT_SECONDS = float("inf") if os.environ.get("GRADPROOF_NO_LIMIT") == "1" else 30.0


class Cost(NamedTuple):
    """A derivation's predicted wall time and peak memory."""

    terms: int
    seconds: float
    mb: float


def conv_terms(input_shape, kernel_shape, *, stride=1, pad=0, dilation=1) -> int:
    """Product terms of a convolution: output entries times the kernel entries each one sums over."""
    n, c = (input_shape[0], input_shape[1]) if len(input_shape) == 4 else (1, 1)
    f = kernel_shape[0] if len(kernel_shape) == 4 else 1
    (h, w), (kh, kw) = input_shape[-2:], kernel_shape[-2:]
    oh = out_size(h, kh, stride=stride, pad=pad, dilation=dilation)
    ow = out_size(w, kw, stride=stride, pad=pad, dilation=dilation)
    return n * f * max(oh, 0) * max(ow, 0) * c * kh * kw


def predict(terms: int) -> Cost:
    """The fitted model at ``terms`` product terms."""
    return Cost(terms, SECONDS_0 + SECONDS_PER_TERM * terms, MB_PER_TERM * terms)


def largest_fitting(count, start: int, factor: float = 1.0) -> int | None:
    """The largest size ``s <= start`` whose ``count(s)`` terms are predicted within the limit (None if none)."""
    for s in range(start, 0, -1):
        if factor * predict(count(s)).seconds <= LIMIT_SECONDS:
            return s
    return None


def _conv_shapes(input_shape, kernel_shape) -> None:
    """The shapes checked before any arithmetic on them, in derive_conv2d's words (``_validate`` loads no
    SymPy, so the command line refuses a bad shape before SymPy starts)."""
    sizes("kernel_shape", kernel_shape, (len(sizes("input_shape", input_shape, (2, 4))),))


def check_conv(input_shape, kernel_shape, *, stride=1, pad=0, dilation=1, fmt: str = "text") -> Cost:
    """The prediction for ``derive_conv2d`` at these arguments, written as ``fmt``; GradproofError past the limit.

    >>> check_conv((5, 5), (3, 3)).terms
    81
    """
    _conv_shapes(input_shape, kernel_shape)
    geo = {"stride": stride, "pad": pad, "dilation": dilation}
    return refuse_if_too_costly(f"input_shape {tuple(input_shape)!r} with kernel_shape {tuple(kernel_shape)!r}",
                                conv_terms(input_shape, kernel_shape, **geo),
                                lambda s: conv_terms((*input_shape[:-2], s, s), kernel_shape, **geo),
                                max(input_shape[-2:]), fmt)


def check_full_conv(input_shape, kernel_shape, fmt: str = "text") -> Cost:
    """The prediction for ``derive_full_conv2d``: every input entry meets every kernel entry once."""
    _conv_shapes(input_shape, kernel_shape)
    n, c = (input_shape[0], input_shape[1]) if len(input_shape) == 4 else (1, 1)
    f = kernel_shape[0] if len(kernel_shape) == 4 else 1
    per = n * c * f * kernel_shape[-2] * kernel_shape[-1]
    return refuse_if_too_costly(f"input_shape {tuple(input_shape)!r} with kernel_shape {tuple(kernel_shape)!r}",
                                per * input_shape[-2] * input_shape[-1], lambda s: per * s * s,
                                max(input_shape[-2:]), fmt)


def check_activation(kind: str, shape) -> float:
    """Predicted wall seconds of ``derive_activation``; GradproofError past the limit with the largest square
    shape that fits.

    >>> round(check_activation("relu", (2, 3)), 3)
    0.045
    """
    per = SECONDS_PER_ENTRY[kind]
    n = 1
    for v in shape:
        n *= v
    if per * n <= LIMIT_SECONDS:
        return per * n
    side = int((LIMIT_SECONDS / per) ** 0.5)
    raise GradproofError(f"shape {tuple(shape)!r} has {n} entries: {kind} is predicted to take ~{per * n:.0f} s on "
                     f"this machine, past the {LIMIT_SECONDS:.0f} s limit for exact work; the largest square "
                     f"shape that fits is {side}x{side}")


def pool_seconds(kind: str, out_hw, window) -> float:
    """Predicted wall seconds of ``derive_pool2d`` with ``out_hw`` windows of ``window`` cells.

    >>> round(pool_seconds("mean", (2, 2), (2, 2)), 3)
    0.032
    """
    cells = window[0] * window[1]
    return POOL_SECONDS[kind] * out_hw[0] * out_hw[1] * cells * (cells if kind == "max" else 1)


def check_pool(kind: str, input_shape, window, stride, pad, *, channels: int = 1) -> float:
    """The prediction for ``derive_pool2d`` (``channels`` of them); GradproofError past the limit with the largest
    square input that fits (same window, stride, padding and channels)."""
    def out_hw(h, w):
        return (max(0, 1 + (h + 2 * pad[0] - window[0]) // stride[0]),
                max(0, 1 + (w + 2 * pad[1] - window[1]) // stride[1]))

    secs = channels * pool_seconds(kind, out_hw(*input_shape), window)
    if secs <= LIMIT_SECONDS:
        return secs
    fit = next((s for s in range(max(input_shape), 0, -1)
                if channels * pool_seconds(kind, out_hw(s, s), window) <= LIMIT_SECONDS), None)
    hint = f"; the largest square input that fits is {fit}x{fit}" if fit else ""
    raise GradproofError(f"input_shape {tuple(input_shape)!r} with window {tuple(window)!r}: {kind} pooling is "
                     f"predicted to take ~{secs:.0f} s on this machine, past the {LIMIT_SECONDS:.0f} s limit for "
                     f"exact work{hint}")


def refuse_if_too_costly(what: str, terms: int, count, start: int, fmt: str = "text") -> Cost:
    """GradproofError naming the predicted cost and the largest square input that fits; else the prediction.

    ``count(s)`` gives the terms of the same operation at an ``s x s`` input (``start`` is the asked size).

    >>> refuse_if_too_costly("input_shape (5, 5)", 81, lambda s: s * s, 5).terms
    81
    """
    factor = FORMAT_FACTOR.get(fmt, 1.0)
    cost = predict(terms)
    cost = cost._replace(seconds=factor * cost.seconds)
    if cost.seconds <= LIMIT_SECONDS:
        return cost
    fit = largest_fitting(count, start, factor)
    hint = f"; the largest square input that fits is {fit}x{fit}" if fit else ""
    how = f" with --format {fmt}" if factor != 1.0 else ""
    raise GradproofError(f"{what} needs {terms} exact product terms: predicted ~{cost.seconds:.0f} s{how} and "
                     f"~{cost.mb:.0f} MB on this machine, past the {LIMIT_SECONDS:.0f} s limit for exact "
                     f"work{hint}")


#: The exact size limits of the whole-network derivations, kept here (plain Python) so that the command line
#: refuses past them before SymPy loads; the derivations read the same numbers. Fresh processes on this shared
#: 2-core machine (see each derivation module): a dense layer of 64 x 64 products (4,096) 2.7 s; softmax +
#: cross-entropy at 10 classes 3.1 s, at 20 classes 16.7 s (its proofs grow with the square of the classes);
#: flatten of 4,096 entries about a second; the network at 6x6, 2 filters, 3 classes 9.8 s, at 8x8 28.1 s,
#: at 8x8 with 3 filters and 4 classes 80.8 s (a load of 6).
#: The whole ``derive OP`` command (import, derivation, text view) at its default and at its limit, fresh
#: processes on this machine under a load of 6-9 from other work: dense 2x3 with 3 units 7.4 s, 64 inputs x
#: 64 units 29.2 s; flatten 2x2x2 9.3 s, 16x16x16 29.9 s; softmax 3 classes 15.5 s, 12 classes 49.6 s;
#: network 6x6 30.9 s, 8x8 66.3 s. The derivations alone in the same session (load 2-6): dense 2.4 s / 9.6 s,
#: flatten 2.4 s / 4.3 s, softmax 4.5 s / 17.2 s, network 18.7 s / 22.0 s.
DENSE_MAX_PRODUCTS = 4096
FLATTEN_MAX_ENTRIES = 4096
SOFTMAX_MAX_CLASSES = 12
NETWORK_LIMITS = {"input side": 8, "filters": 2, "classes": 3}


def check_network_sizes(op: str, sizes_: dict) -> None:
    """GradproofError when a whole-network derivation is past its measured limit (``sizes_``: what -> size).

    >>> check_network_sizes("network", {"input side": 6, "filters": 2, "classes": 3})
    >>> check_network_sizes("softmax", {"classes": 13})
    Traceback (most recent call last):
    ...
    derivations._validate.GradproofError: classes 13 is past the exact softmax's limit of 12: 20 classes took 16.7 s (10: 3.1 s) on this machine
    """
    limits = {"dense": {"products": (DENSE_MAX_PRODUCTS, "64 x 64 took 2.7 s")},
              "flatten": {"entries": (FLATTEN_MAX_ENTRIES, "4,096 entries took about a second")},
              "softmax": {"classes": (SOFTMAX_MAX_CLASSES, "20 classes took 16.7 s (10: 3.1 s)")},
              "network": {k: (v, "8x8, 2 filters, 3 classes took 28 s; 8x8, 3 filters, 4 classes 81 s")
                          for k, v in NETWORK_LIMITS.items()}}[op]
    for what, size in sizes_.items():
        top, why = limits[what]
        if size > top:
            raise GradproofError(f"{what} {size} is past the exact {op}'s limit of {top}: {why} on this machine")
