"""The battery of layer configurations a submission is graded on, and the inputs for each.

One fixed configuration hides real bugs (``=`` instead of ``+=`` in max-pool backward passes whenever
windows do not overlap), so the battery names the bug class each entry exposes: stride 2 with
padding, batch N > 1, non-square inputs and kernels, pad 0/1/2, kernels 1x1 to 5x5, overlapping pools
3x3/s2 and 2x2/s1, strides that do not divide the input. ``drawn`` adds configurations drawn by
hypothesis (``checker.strategies``, seeded, so every submission meets the same ones); ``random_conv``/
``random_pool`` are the numpy fallback. Max-pool inputs are tie-free with gaps wide enough for finite
differences, except in the cases built to hold ties (``PoolConfig.ties``), which are judged by the tie
policy (``compare.check_pool_ties``).

>>> conv_battery()[1].label
'stride 2 with pad 1, N=2'
>>> ConvConfig(1, 1, 6, 6, 1, 3, 3, stride=2).out_hw
(2, 2)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from checker.ops import out_size
from checker.pool_ops import pool_out_size


@dataclass(frozen=True)
class ConvConfig:
    """x (N,C,H,W), w (F,C,HH,WW), stride, pad."""

    N: int
    C: int
    H: int
    W: int
    F: int
    HH: int
    WW: int
    stride: int = 1
    pad: int = 0
    label: str = ""

    def __post_init__(self):
        for name in ("N", "C", "H", "W", "F", "HH", "WW", "stride"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.pad < 0 or self.HH > self.H + 2 * self.pad or self.WW > self.W + 2 * self.pad:
            raise ValueError(f"kernel {self.HH}x{self.WW} does not fit input {self.H}x{self.W} with pad {self.pad}")

    @property
    def out_hw(self) -> tuple[int, int]:
        return (out_size(self.H, self.HH, stride=self.stride, pad=self.pad),
                out_size(self.W, self.WW, stride=self.stride, pad=self.pad))

    @property
    def divides(self) -> bool:
        """The output size divides evenly, (H + 2*pad - HH) % stride == 0 and likewise for W: what the cs231n
        assignment lets students assume."""
        return (self.H + 2 * self.pad - self.HH) % self.stride == 0 and (self.W + 2 * self.pad - self.WW) % self.stride == 0

    @property
    def size(self) -> int:
        """How big the case is for a human reading it (the shrinker minimises this)."""
        return self.N * self.C * self.H * self.W + self.F * self.C * self.HH * self.WW + 10 * (self.stride + self.pad)

    def describe(self) -> str:
        return (f"x {self.N}x{self.C}x{self.H}x{self.W}, w {self.F}x{self.C}x{self.HH}x{self.WW}, "
                f"stride {self.stride}, pad {self.pad}")

    def inputs(self, seed: int) -> dict[str, np.ndarray]:
        """x, w, b and an upstream gradient dout, reproducible from the seed."""
        rng = np.random.default_rng(seed)
        ho, wo = self.out_hw
        return {"x": rng.standard_normal((self.N, self.C, self.H, self.W)),
                "w": rng.standard_normal((self.F, self.C, self.HH, self.WW)),
                "b": rng.standard_normal(self.F),
                "dout": rng.standard_normal((self.N, self.F, ho, wo))}


@dataclass(frozen=True)
class PoolConfig:
    """x (N,C,H,W), window PH x PW, stride (no padding, as in the cs231n assignment); ``ties``: inputs whose
    windows hold equal maxima (zeros after a ReLU), with windows that do not overlap (judged per window)."""

    N: int
    C: int
    H: int
    W: int
    PH: int
    PW: int
    stride: int
    label: str = ""
    ties: bool = False

    def __post_init__(self):
        for name in ("N", "C", "H", "W", "PH", "PW", "stride"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.PH > self.H or self.PW > self.W:
            raise ValueError(f"window {self.PH}x{self.PW} does not fit input {self.H}x{self.W}")
        if self.ties and self.stride < max(self.PH, self.PW):
            raise ValueError(f"a case with ties needs windows that do not overlap, got window {self.PH}x{self.PW} "
                             f"with stride {self.stride}")

    @property
    def out_hw(self) -> tuple[int, int]:
        return (pool_out_size(self.H, self.PH, stride=self.stride), pool_out_size(self.W, self.PW, stride=self.stride))

    @property
    def divides(self) -> bool:
        """(H - PH) % stride == 0 and (W - PW) % stride == 0: the cs231n pool docstring's assumption."""
        return (self.H - self.PH) % self.stride == 0 and (self.W - self.PW) % self.stride == 0

    @property
    def size(self) -> int:
        return self.N * self.C * self.H * self.W + self.PH * self.PW + 10 * self.stride

    @property
    def overlapping(self) -> bool:
        return self.stride < max(self.PH, self.PW)

    def describe(self) -> str:
        ties = ", tied maxima" if self.ties else ""
        return f"x {self.N}x{self.C}x{self.H}x{self.W}, window {self.PH}x{self.PW}, stride {self.stride}{ties}"

    def inputs(self, seed: int) -> dict[str, np.ndarray]:
        """x tie-free (a shuffled grid with gaps of 0.1, far wider than a finite-difference step), dout.

        With ``ties``: a ReLU of a coarse grid (-1 to 1.5 in steps of 0.5), so half the entries are 0 and
        most windows hold a tie (all-zero windows, or equal positive maxima)."""
        rng = np.random.default_rng(seed)
        n = self.N * self.C * self.H * self.W
        if self.ties:
            x = np.maximum(0.0, rng.integers(-2, 4, n) * 0.5)
        else:
            x = (rng.permutation(n) - n / 2) * 0.1 + rng.uniform(0, 0.01, n)
        ho, wo = self.out_hw
        return {"x": x.reshape(self.N, self.C, self.H, self.W),
                "dout": rng.standard_normal((self.N, self.C, ho, wo))}


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
    """``n`` shapes drawn by hypothesis from ``checker.strategies`` (values come from ``inputs``)."""
    # hypothesis is a dependency, imported here only so that importing configs stays cheap; no fallback,
    # since another generator would give a class graded on another machine another battery
    from checker import strategies as hs
    out = []
    if family == "conv":
        strat = hs.conv2d_cases(max_side=8, max_kernel=5, strides=(1, 2, 3), pads=(0, 1, 2), min_batch=1)
        keep = lambda c: out.append(ConvConfig(*c.x.shape, c.w.shape[0], *c.w.shape[2:], stride=c.stride,  # noqa: E731
                                               pad=c.pad, label=f"drawn #{len(out) + 1}"))
    elif family == "pool":
        strat = hs.pool2d_cases(max_side=8, max_kernel=3, strides=(1, 2, 3), pads=(0,), min_batch=1)
        keep = lambda c: out.append(PoolConfig(*c.x.shape, c.kh, c.kw, c.stride,  # noqa: E731
                                               label=f"drawn #{len(out) + 1}"))
    else:
        raise ValueError(f"family must be 'conv' or 'pool', got {family!r}")
    hs.run_examples(strat, keep, examples=n, seed=seed)
    uniq = {c.describe(): c for c in out}
    return tuple(uniq.values())[:n]


def smaller(cfg):
    """Candidate smaller versions of a failing case (one or two dimensions cut), for the shrinker."""
    fields = [f for f in ("N", "C", "F", "H", "W", "HH", "WW", "PH", "PW", "stride", "pad") if hasattr(cfg, f)]
    cands = []
    for f in fields:
        for v in range(0 if f == "pad" else 1, getattr(cfg, f)):
            for g in [None] + fields:
                for u in ([None] if g is None else range(0 if g == "pad" else 1, getattr(cfg, g))):
                    try:
                        cands.append(replace(cfg, **{f: v}, **({} if g is None or g == f else {g: u})))
                    except ValueError:
                        pass  # does not fit: not a candidate
    uniq = {c.describe(): c for c in cands}
    return sorted(uniq.values(), key=lambda c: c.size)
