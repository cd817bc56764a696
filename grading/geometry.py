"""The two kinds of graded case: a convolution layer (``ConvConfig``) and a max-pool layer (``PoolConfig``).

Each kind knows its own fields, output size, inputs, the smaller cases the shrinker tries, and the
``gradproof derive`` command that teaches its rule, so no caller has to ask which kind it holds.

>>> ConvConfig(1, 1, 6, 6, 1, 3, 3, stride=2).out_hw
(2, 2)
>>> PoolConfig(1, 1, 4, 5, 2, 3, 1).describe()
'x 1x1x4x5, window 2x3, stride 1'
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from derivations._validate import GradproofError, out_size, whole


def _whole(cfg, names, low: int = 1) -> None:
    for name in names:
        whole(name, getattr(cfg, name), low=low)


def _smaller(cfg, fields) -> list:
    """Candidate smaller versions of ``cfg`` (one or two of ``fields`` cut), smallest first."""
    cands = []
    for f in fields:
        for v in range(0 if f == "pad" else 1, getattr(cfg, f)):
            for g in [None] + list(fields):
                for u in ([None] if g is None else range(0 if g == "pad" else 1, getattr(cfg, g))):
                    try:
                        cands.append(replace(cfg, **{f: v}, **({} if g is None or g == f else {g: u})))
                    except ValueError:
                        pass  # does not fit: not a candidate
    uniq = {c.describe(): c for c in cands}
    return sorted(uniq.values(), key=lambda c: c.size)


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

    ties: ClassVar[bool] = False       # a convolution has no tied maxima
    SHRINKS: ClassVar[tuple] = ("N", "C", "F", "H", "W", "HH", "WW", "stride", "pad")

    def __post_init__(self):
        _whole(self, ("N", "C", "H", "W", "F", "HH", "WW", "stride"))
        whole("pad", self.pad, low=0)
        if self.HH > self.H + 2 * self.pad or self.WW > self.W + 2 * self.pad:
            raise GradproofError(f"kernel {self.HH}x{self.WW} does not fit input {self.H}x{self.W} with pad {self.pad}")

    @property
    def out_hw(self) -> tuple[int, int]:
        return (out_size(self.H, self.HH, stride=self.stride, pad=self.pad),
                out_size(self.W, self.WW, stride=self.stride, pad=self.pad))

    @property
    def divides(self) -> bool:
        """The output size divides evenly, (H + 2*pad - HH) % stride == 0 and likewise for W: what the cs231n
        assignment lets students assume."""
        return ((self.H + 2 * self.pad - self.HH) % self.stride == 0
                and (self.W + 2 * self.pad - self.WW) % self.stride == 0)

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

    def smaller(self) -> list["ConvConfig"]:
        """Candidate smaller versions of a failing case (one or two dimensions cut), for the shrinker."""
        return _smaller(self, self.SHRINKS)

    def command(self, op: str = "conv", values=None) -> str:
        """The installed ``gradproof derive conv`` command for this case (``op`` and ``values`` are pooling's:
        a convolution has one derivation, whatever the mistake).

        >>> ConvConfig(1, 1, 5, 5, 1, 3, 3, stride=2, pad=1).command()
        'gradproof derive conv --input 5x5 --kernel 3x3 --stride 2 --pad 1'
        """
        return (f"gradproof derive conv --input {self.H}x{self.W} --kernel {self.HH}x{self.WW} "
                f"--stride {self.stride} --pad {self.pad}")


@dataclass(frozen=True)
class PoolConfig:
    """x (N,C,H,W), window pool_h x pool_w, stride (no padding, as in the cs231n assignment); ``ties``: inputs
    whose windows hold equal maxima (zeros after a ReLU), with windows that do not overlap (judged per window)."""

    N: int
    C: int
    H: int
    W: int
    pool_h: int
    pool_w: int
    stride: int
    label: str = ""
    ties: bool = False

    SHRINKS: ClassVar[tuple] = ("N", "C", "H", "W", "pool_h", "pool_w", "stride")

    def __post_init__(self):
        _whole(self, ("N", "C", "H", "W", "pool_h", "pool_w", "stride"))
        if self.pool_h > self.H or self.pool_w > self.W:
            raise GradproofError(f"window {self.pool_h}x{self.pool_w} does not fit input {self.H}x{self.W}")
        if self.ties and self.overlapping:
            raise GradproofError(f"a case with ties needs windows that do not overlap, got window "
                                 f"{self.pool_h}x{self.pool_w} with stride {self.stride}")

    @property
    def out_hw(self) -> tuple[int, int]:
        return (out_size(self.H, self.pool_h, stride=self.stride), out_size(self.W, self.pool_w, stride=self.stride))

    @property
    def divides(self) -> bool:
        """(H - pool_h) % stride == 0 and (W - pool_w) % stride == 0: the cs231n pool docstring's assumption."""
        return (self.H - self.pool_h) % self.stride == 0 and (self.W - self.pool_w) % self.stride == 0

    @property
    def size(self) -> int:
        return self.N * self.C * self.H * self.W + self.pool_h * self.pool_w + 10 * self.stride

    @property
    def overlapping(self) -> bool:
        return self.stride < max(self.pool_h, self.pool_w)

    def describe(self) -> str:
        ties = ", tied maxima" if self.ties else ""
        return f"x {self.N}x{self.C}x{self.H}x{self.W}, window {self.pool_h}x{self.pool_w}, stride {self.stride}{ties}"

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

    def smaller(self) -> list["PoolConfig"]:
        """Candidate smaller versions of a failing case (one or two dimensions cut), for the shrinker."""
        return _smaller(self, self.SHRINKS)

    def teaching_values(self) -> np.ndarray:
        """Values for a max-pool derivation: a fixed shuffle of 1..H*W (tie-free, easy to follow) with the
        largest, H*W, moved to the cell the most windows share. With overlapping windows that cell is then
        the maximum of two or more of them, so the derivation refutes '=' instead of '+=' (on a shuffle
        where no cell wins two windows, '=' gives the right answer and the derivation would mark it as holding).

        >>> int(PoolConfig(1, 1, 5, 5, 3, 3, 2).teaching_values().reshape(5, 5)[2, 2])  # the centre: all 4 windows
        25
        """
        h, w = self.H, self.W
        shared = np.zeros((h, w), dtype=int)
        for i in range(0, h - self.pool_h + 1, self.stride):
            for j in range(0, w - self.pool_w + 1, self.stride):
                shared[i : i + self.pool_h, j : j + self.pool_w] += 1
        values = np.random.default_rng(h * 100 + w).permutation(h * w) + 1
        top, cell = int(np.argmax(values)), int(np.argmax(shared))  # argmax: the first of the most-shared cells
        values[top], values[cell] = values[cell], values[top]
        return values

    def command(self, op: str = "max-pool", values=None) -> str:
        """The derivation that shows the right rule for this case, as the installed ``gradproof`` command
        (students grade outside a checkout); max pooling needs concrete values (``teaching_values`` unless
        ``values`` are given).

        >>> PoolConfig(1, 1, 2, 3, 2, 2, 1).command()
        'gradproof derive max-pool --input 2x3 --window 2x2 --stride 1 --values 5,6,3,1,2,4'
        """
        cmd = (f"gradproof derive {op} --input {self.H}x{self.W} --window {self.pool_h}x{self.pool_w} "
               f"--stride {self.stride}")
        if op == "max-pool":
            cmd += " --values " + ",".join(str(int(v)) for v in (self.teaching_values() if values is None else values))
        return cmd
