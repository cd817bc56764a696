"""The battery of layer configurations a submission is graded on, and the inputs for each.

One fixed configuration hides real bugs (``=`` instead of ``+=`` in max-pool backward passes whenever
windows do not overlap), so the battery names the bug class each entry exposes: stride 2 with
padding, batch N > 1, non-square inputs and kernels, pad 0/1/2, kernels 1x1 to 5x5, overlapping pools
3x3/s2 and 2x2/s1, strides that do not divide the input. ``drawn`` adds configurations drawn by
hypothesis (``checker.strategies``, seeded, so every submission meets the same ones). Max-pool inputs
are tie-free with gaps wide enough for finite differences, except in the cases built to hold ties
(``PoolConfig.ties``), which are judged by the tie policy (``compare.check_pool_ties``). The two kinds
of case themselves are ``geometry.ConvConfig`` and ``geometry.PoolConfig``.

>>> conv_battery()[1].label
'stride 2 with pad 1, N=2'
>>> ConvConfig(1, 1, 6, 6, 1, 3, 3, stride=2).out_hw
(2, 2)
"""
from __future__ import annotations

import functools

from checker import strategies as hs
from derivations._validate import one_of
from .geometry import ConvConfig, PoolConfig

__all__ = ["ConvConfig", "PoolConfig", "FD_CONV", "FD_POOL", "SHAPES_SEED", "conv_battery", "drawn", "pool_battery"]

# The small cases on which a failing backward is compared with finite differences of the student's own
# forward. Each holds the bug classes at once (N > 1, non-square, stride 2 with padding, F == C so
# swapped axes keep their shape; overlapping windows), so that a backward bug cannot hide behind a
# wrong forward and collect the credit meant for a right backward.
FD_CONV = ConvConfig(2, 2, 5, 4, 2, 3, 2, stride=2, pad=1, label="small case for finite differences")
FD_POOL = PoolConfig(2, 1, 4, 5, 2, 2, 1, label="small case for finite differences")


def conv_battery() -> list[ConvConfig]:
    """Fixed convolution cases, each labelled with the bug class it is there to expose."""
    return [
        ConvConfig(1, 1, 4, 4, 1, 3, 3, label="smallest: one channel, stride 1"),
        ConvConfig(2, 3, 5, 5, 2, 3, 3, stride=2, pad=1, label="stride 2 with pad 1, N=2"),
        ConvConfig(2, 2, 6, 5, 3, 3, 2, label="non-square input and kernel"),
        ConvConfig(1, 2, 7, 7, 2, 5, 5, pad=2, label="5x5 kernel, pad 2"),
        ConvConfig(3, 2, 5, 5, 2, 1, 1, label="1x1 kernel, N=3"),
        ConvConfig(1, 2, 6, 6, 2, 3, 3, stride=2, label="stride 2 does not divide the input"),
        ConvConfig(2, 2, 5, 7, 3, 2, 3, stride=2, pad=1, label="non-square, stride 2, pad 1"),
        ConvConfig(2, 3, 4, 4, 2, 4, 4, pad=1, label="4x4 kernel, pad 1"),
        ConvConfig(1, 1, 8, 8, 2, 3, 3, stride=3, pad=2, label="stride 3, pad 2"),
        # H' != W' with sizes that divide: real solutions index the flattened output with out_h where
        # out_w belongs, which every square output hides (found on the public-solution corpus)
        ConvConfig(2, 2, 5, 7, 3, 3, 3, stride=2, pad=1, label="non-square output 3x4, stride 2, pad 1"),
        ConvConfig(2, 2, 4, 7, 2, 3, 2, label="non-square output 2x6 and kernel"),
    ]


def pool_battery() -> list[PoolConfig]:
    """Fixed max-pool cases; the overlapping ones catch ``=`` instead of ``+=``, the tied ones a gradient
    given to every tied maximum (``win == win.max()``)."""
    return [
        PoolConfig(1, 1, 4, 4, 2, 2, 2, label="2x2 stride 2 (no overlap)"),
        PoolConfig(2, 2, 5, 5, 3, 3, 2, label="overlapping 3x3 stride 2"),
        PoolConfig(2, 1, 4, 5, 2, 2, 1, label="overlapping 2x2 stride 1, non-square"),
        PoolConfig(1, 2, 7, 6, 3, 2, 2, label="non-square window"),
        PoolConfig(1, 1, 5, 5, 2, 2, 2, label="stride 2 does not divide 5"),
        PoolConfig(2, 3, 6, 6, 3, 3, 3, label="3x3 stride 3, N=2"),
        PoolConfig(2, 2, 4, 4, 2, 2, 2, label="ties: zeros after a ReLU", ties=True),
        PoolConfig(1, 2, 6, 6, 3, 3, 3, label="ties: 3x3 windows of equal maxima", ties=True),
    ]


# The drawn shapes are the same for every student and every run (fairness: everyone meets the same cases);
# the input VALUES come from a per-run seed (``grade_submission``), so a table of answers is useless.
SHAPES_SEED = 0


@functools.lru_cache(maxsize=32)
def drawn(family: str, seed: int, n: int) -> tuple:
    """``n`` shapes drawn by hypothesis from ``checker.strategies`` (values come from ``inputs``); no
    fallback, since another generator would give a class graded on another machine another battery."""
    one_of("family", family, ("conv", "pool"))
    out = []
    if family == "conv":
        strat = hs.conv2d_cases(max_side=8, max_kernel=5, strides=(1, 2, 3), pads=(0, 1, 2), min_batch=1)
        keep = lambda c: out.append(ConvConfig(*c.x.shape, c.w.shape[0], *c.w.shape[2:], stride=c.stride,  # noqa: E731
                                               pad=c.pad, label=f"drawn #{len(out) + 1}"))
    else:
        strat = hs.pool2d_cases(max_side=8, max_kernel=3, strides=(1, 2, 3), pads=(0,), min_batch=1)
        keep = lambda c: out.append(PoolConfig(*c.x.shape, c.pool_h, c.pool_w, c.stride,  # noqa: E731
                                               label=f"drawn #{len(out) + 1}"))
    hs.run_examples(strat, keep, examples=n, seed=seed)
    uniq = {c.describe(): c for c in out}
    return tuple(uniq.values())[:n]

