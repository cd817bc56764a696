r"""Hypothesis strategies for convolution and pooling cases, in the style of ``hypothesis.extra.numpy``.

Every case is valid by construction (the kernel fits the padded input), shapes are non-square unless
``square=True``, and values are drawn as floats in [-1, 1] (tie-free max-pool inputs: distinct values
``min_gap`` apart, so their range grows with the number of entries). This is the only checker module that imports
hypothesis.

>>> from hypothesis import given, settings
>>> @settings(max_examples=3, database=None)
... @given(conv2d_cases(max_side=6))
... def t(case):
...     assert case.x.shape[1] == case.w.shape[1]
>>> t()
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np
from hypothesis import given, seed as hseed, settings, strategies as st
from hypothesis.errors import InvalidArgument

from derivations._validate import GradproofError, one_of, out_size, whole


class Conv2dCase(NamedTuple):
    """One convolution test case: arrays in the cs231n layout and the parameters that make them fit.

    ``dout`` has the output's shape ``(N, F, H', W')`` with ``H' = 1 + (H + 2*pad - dilation*(HH-1) - 1) // stride``.
    """

    x: np.ndarray  # (N, C, H, W)
    w: np.ndarray  # (F, C, HH, WW)
    b: np.ndarray  # (F,)
    dout: np.ndarray  # (N, F, H', W')
    stride: int
    pad: int
    dilation: int


class Pool2dCase(NamedTuple):
    """One pooling test case: input, upstream gradient of the pooled shape, window, stride, pad and kind.

    With ``tie_free`` (the default for max pooling) every window's maximum beats the rest by a gap, so
    finite differences never straddle a tie.
    """

    x: np.ndarray  # (N, C, H, W)
    dout: np.ndarray
    pool_h: int
    pool_w: int
    stride: int
    pad: int
    kind: str  # "max" or "mean"


class StrategyArgumentError(GradproofError, InvalidArgument):
    """A strategy's bad argument: hypothesis' InvalidArgument, as its strategies raise, and a GradproofError."""


def _checked(check, *args, **kwargs):
    """``check`` from ``derivations._validate``, its error raised as a StrategyArgumentError."""
    try:
        return check(*args, **kwargs)
    except GradproofError as e:
        raise StrategyArgumentError(str(e)) from None


def _check_int(name, value, lo):
    return _checked(whole, name, value, low=lo)


def _check_choices(name, values, lo):
    if isinstance(values, (int, np.integer)):
        values = (values,)
    values = tuple(values)
    if not values:
        raise StrategyArgumentError(f"{name} must hold at least one value, got {values!r}")
    for v in values:
        _check_int(name, v, lo)
    return values


def _array(draw, shape):
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)


def _tie_free(draw, shape, gap):
    """Distinct values at least ``gap`` apart, shuffled: no max-pool window can hold a (near) tie."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    vals = (np.arange(n) - n / 2) * gap + rng.uniform(0, gap / 4, n)
    return rng.permutation(vals).reshape(shape)


@st.composite
def conv2d_cases(draw, *, min_side: int = 1, max_side: int = 8, max_batch: int = 3, max_channels: int = 3,
                 max_filters: int = 3, max_kernel: int = 3, strides: Sequence[int] = (1, 2),
                 pads: Sequence[int] = (0, 1), dilations: Sequence[int] = (1,), square: bool = False,
                 min_batch: int = 2) -> Conv2dCase:
    """Conv2dCase with N in [min_batch, max_batch], kernels up to max_kernel (fewer if the sides cannot hold
    them), sides in [min_side, max_side]."""
    for name, v, lo in [("min_side", min_side, 1), ("max_side", max_side, 1), ("max_batch", max_batch, 1),
                        ("max_channels", max_channels, 1), ("max_filters", max_filters, 1),
                        ("max_kernel", max_kernel, 1), ("min_batch", min_batch, 1)]:
        _check_int(name, v, lo)
    if min_side > max_side:
        raise StrategyArgumentError(f"min_side must be <= max_side={max_side}, got {min_side!r}")
    if min_batch > max_batch:
        raise StrategyArgumentError(f"min_batch must be <= max_batch={max_batch}, got {min_batch!r}")
    strides, pads = _check_choices("strides", strides, 1), _check_choices("pads", pads, 0)
    dilations = _check_choices("dilations", dilations, 1)
    s, p, d = draw(st.sampled_from(strides)), draw(st.sampled_from(pads)), draw(st.sampled_from(dilations))
    # the dilated kernel must fit the padded input: side + 2p >= d (k - 1) + 1, so k <= (side + 2p - 1)//d + 1
    k_fit = max(1, min(max_kernel, (max_side + 2 * p - 1) // d + 1))
    kh = draw(st.integers(1, k_fit))
    kw = kh if square else draw(st.integers(1, k_fit))
    need_h, need_w = max(min_side, d * (kh - 1) + 1 - 2 * p, 1), max(min_side, d * (kw - 1) + 1 - 2 * p, 1)
    h = draw(st.integers(need_h, max_side))
    w = h if square else draw(st.integers(need_w, max_side))
    n, c = draw(st.integers(min_batch, max_batch)), draw(st.integers(1, max_channels))
    f = draw(st.integers(1, max_filters))
    ho, wo = out_size(h, kh, stride=s, pad=p, dilation=d), out_size(w, kw, stride=s, pad=p, dilation=d)
    return Conv2dCase(_array(draw, (n, c, h, w)), _array(draw, (f, c, kh, kw)), _array(draw, (f,)),
                      _array(draw, (n, f, ho, wo)), s, p, d)


@st.composite
def pool2d_cases(draw, *, kind: str = "max", min_side: int = 2, max_side: int = 8, max_batch: int = 3,
                 max_channels: int = 3, max_kernel: int = 3, strides: Sequence[int] = (1, 2, 3),
                 pads: Sequence[int] = (0,), overlapping: bool | None = None, square: bool = False,
                 tie_free: bool = True, min_gap: float = 1e-2, min_batch: int = 2) -> Pool2dCase:
    """Pool2dCase; ``overlapping`` True forces stride < kernel (windows share entries), False forbids it.

    ``tie_free`` draws distinct values at least ``min_gap`` apart (resampling, not filtering), so no
    window of a max pool holds two maxima within a finite-difference step.
    """
    _checked(one_of, "kind", kind, ("max", "mean"))
    for name, v, lo in [("min_side", min_side, 1), ("max_side", max_side, 1), ("max_batch", max_batch, 1),
                        ("max_channels", max_channels, 1), ("max_kernel", max_kernel, 1),
                        ("min_batch", min_batch, 1)]:
        _check_int(name, v, lo)
    if min_side > max_side:
        raise StrategyArgumentError(f"min_side must be <= max_side={max_side}, got {min_side!r}")
    if not (isinstance(min_gap, (int, float)) and min_gap > 0):
        raise StrategyArgumentError(f"min_gap must be a number > 0, got {min_gap!r}")
    k_fit = min(max_kernel, max_side)  # a window never larger than the input
    if overlapping and k_fit < 2:
        raise StrategyArgumentError(f"overlapping=True needs max_kernel and max_side >= 2, got "
                                    f"max_kernel={max_kernel!r}, max_side={max_side!r}")
    strides, pads = _check_choices("strides", strides, 1), _check_choices("pads", pads, 0)
    pool_h = draw(st.integers(2 if overlapping else 1, k_fit))
    pool_w = pool_h if square else draw(st.integers(2 if overlapping else 1, k_fit))
    # neighbouring windows share cells as soon as the stride is below the window along either axis
    allowed = [s for s in strides if overlapping is None or (s < max(pool_h, pool_w)) == overlapping]
    if not allowed:
        s = max(pool_h, pool_w) - 1 if overlapping else max(pool_h, pool_w)  # the constraint wins over the list
    else:
        s = draw(st.sampled_from(allowed))
    # padding wider than half a window would make whole windows of padding
    p = draw(st.sampled_from([q for q in pads if 2 * q <= min(pool_h, pool_w)] or [0]))
    h = draw(st.integers(max(min_side, pool_h), max_side))
    w = h if square else draw(st.integers(max(min_side, pool_w), max_side))
    n, c = draw(st.integers(min_batch, max(max_batch, min_batch))), draw(st.integers(1, max_channels))
    ho, wo = out_size(h, pool_h, stride=s, pad=p), out_size(w, pool_w, stride=s, pad=p)
    x = _tie_free(draw, (n, c, h, w), min_gap) if (tie_free and kind == "max") else _array(draw, (n, c, h, w))
    return Pool2dCase(x, _array(draw, (n, c, ho, wo)), pool_h, pool_w, s, p, kind)


def run_examples(strategy, fn: Callable, *, examples: int, seed: int | None = None) -> None:
    """Call ``fn(case)`` on ``examples`` cases drawn by hypothesis (shrinking a failure, as tests do)."""
    _check_int("examples", examples, 1)

    def one(case):  # hypothesis inspects the test's signature: give it a plain function
        fn(case)

    test = settings(max_examples=examples, database=None, deadline=None)(given(strategy)(one))
    if seed is not None:
        test = hseed(seed)(test)
    test()
