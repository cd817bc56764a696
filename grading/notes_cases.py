"""The cases the course notes' class-style layers are graded on (``notes_cnn``), and their inputs.

A case is one layer at one size: ``LayerCase("conv", H, W, C)`` is an H x W image and C 3x3 filters,
``"pool"`` an H x W x C activation, ``"softmax"`` an H x W x C activation flattened into ``nodes`` outputs.
Every battery holds the notes' own size (28x28 image, 8 filters; 26x26x8; 13x13x8 -> 10) beside small
cases that expose the bug classes: non-square sizes, odd sizes (MaxPool2 drops the last row or column),
one filter or channel, and for max pooling inputs with tied maxima, judged by the project's tie policy.

>>> LayerCase("pool", 5, 4, 2).describe()
'input 5x4x2'
>>> sorted(LayerCase("conv", 4, 4, 2).inputs(0))
['dout', 'w', 'x']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from derivations._validate import GradproofError, one_of, whole
from .geometry import PoolConfig, _smaller

LEARN_RATE = 0.5   # not 1: a backprop that forgets to scale its update by learn_rate must show


@dataclass(frozen=True)
class LayerCase:
    """One layer of the notes' CNN at one size (``kind``: conv, pool or softmax)."""

    kind: str
    H: int
    W: int
    C: int              # conv: the number of filters; pool, softmax: the channels of the input
    nodes: int = 3      # softmax only: its outputs
    label: str = ""
    ties: bool = False  # pool only: inputs whose windows hold equal maxima

    SHRINKS: ClassVar[dict] = {"conv": ("H", "W", "C"), "pool": ("H", "W", "C"), "softmax": ("H", "W", "C", "nodes")}

    def __post_init__(self):
        one_of("kind", self.kind, tuple(self.SHRINKS))
        for name in ("H", "W", "C", "nodes"):
            whole(name, getattr(self, name), low=1)
        low = {"conv": 3, "pool": 2, "softmax": 1}[self.kind]   # a 3x3 filter, a 2x2 window must fit
        if min(self.H, self.W) < low:
            raise GradproofError(f"a {self.kind} case needs H and W >= {low}, got {self.H}x{self.W}")
        if self.kind == "softmax" and self.nodes < 2:
            raise GradproofError(f"a softmax case needs nodes >= 2, got {self.nodes}")

    @property
    def size(self) -> int:
        """How big the case is for a human reading it (the shrinker minimises this)."""
        return self.H * self.W * self.C + (self.nodes if self.kind == "softmax" else 0)

    def describe(self) -> str:
        if self.kind == "conv":
            return f"image {self.H}x{self.W}, {self.C} filter{'s' * (self.C > 1)}"
        if self.kind == "pool":
            return f"input {self.H}x{self.W}x{self.C}" + (", tied maxima" if self.ties else "")
        n = self.H * self.W * self.C
        return f"input {self.H}x{self.W}x{self.C} ({n} value{'s' * (n > 1)}), {self.nodes} nodes"

    def smaller(self) -> list:
        """Candidate smaller versions of a failing case, for the shrinker."""
        return _smaller(self, self.SHRINKS[self.kind])

    def command(self, op: str = "", values=None) -> str:
        """The command that shows the right rule for this layer (``op`` and ``values``: the cs231n cases'
        arguments, not needed here: the 2x2 max-pool derivation runs on its own teaching values)."""
        if self.kind == "conv":
            return f"gradproof derive conv --input {self.H}x{self.W} --kernel 3x3 --no-bias"
        if self.kind == "pool":
            return PoolConfig(1, 1, min(self.H, 6), min(self.W, 6), 2, 2, 2).command()
        return ("python -c \"from derivations.softmax import derive_softmax_ce; "
                "print(derive_softmax_ce(3, label=0).grads['z'])\"")

    def inputs(self, seed: int) -> dict[str, np.ndarray]:
        """The layer's input x, its weights (conv: w = filters; softmax: w, b) and an upstream gradient dout.

        Softmax's dout is the gradient of the notes' loss -ln p[label] (one nonzero entry, -1/p[label]),
        with p from the reference forward: the notes' backprop relies on that form."""
        rng = np.random.default_rng(seed)
        if self.kind == "conv":
            return {"x": rng.uniform(-0.5, 0.5, (self.H, self.W)),   # the notes scale images to [-0.5, 0.5]
                    "w": rng.standard_normal((self.C, 3, 3)) / 3,
                    "dout": rng.standard_normal((self.H - 2, self.W - 2, self.C))}
        n = self.H * self.W * self.C
        if self.kind == "pool":
            if self.ties:   # a ReLU of a coarse grid: half the entries 0, most windows hold a tie
                x = np.maximum(0.0, rng.integers(-2, 4, n) * 0.5)
            else:           # tie-free, gaps of 0.1
                x = (rng.permutation(n) - n / 2) * 0.1 + rng.uniform(0, 0.01, n)
            return {"x": x.reshape(self.H, self.W, self.C),
                    "dout": rng.standard_normal((self.H // 2, self.W // 2, self.C))}
        x = rng.standard_normal((self.H, self.W, self.C))
        w = rng.standard_normal((n, self.nodes)) / np.sqrt(n)   # totals of order 1: no class near p = 0
        b = rng.standard_normal(self.nodes) * 0.5
        totals = x.ravel() @ w + b
        p = np.exp(totals - totals.max())
        p /= p.sum()
        label = int(rng.integers(self.nodes))
        dout = np.zeros(self.nodes)
        dout[label] = -1.0 / p[label]
        return {"x": x, "w": w, "b": b, "dout": dout}


def conv_cases() -> list[LayerCase]:
    return [LayerCase("conv", 3, 3, 1, label="smallest: one output"),
            LayerCase("conv", 5, 5, 2, label="two filters"),
            LayerCase("conv", 6, 4, 3, label="non-square image"),
            LayerCase("conv", 4, 7, 1, label="non-square, one filter"),
            LayerCase("conv", 3, 6, 2, label="one output row"),
            LayerCase("conv", 7, 3, 4, label="one output column, four filters"),
            LayerCase("conv", 8, 5, 2, label="taller than wide"),
            LayerCase("conv", 9, 9, 3, label="odd square"),
            LayerCase("conv", 28, 28, 8, label="the notes' size")]


def pool_cases() -> list[LayerCase]:
    return [LayerCase("pool", 2, 2, 1, label="one window"),
            LayerCase("pool", 4, 6, 2, label="non-square"),
            LayerCase("pool", 5, 7, 3, label="odd sizes: the last row and column are dropped"),
            LayerCase("pool", 3, 3, 1, label="odd: one window, a row and a column dropped"),
            LayerCase("pool", 6, 2, 4, label="one window column, four channels"),
            LayerCase("pool", 8, 8, 1, label="one channel"),
            LayerCase("pool", 26, 26, 8, label="the notes' size"),
            LayerCase("pool", 4, 4, 2, label="ties: zeros after a ReLU", ties=True),
            LayerCase("pool", 6, 5, 3, label="ties, odd width", ties=True)]


def softmax_cases() -> list[LayerCase]:
    return [LayerCase("softmax", 1, 1, 2, 2, label="smallest: two inputs, two nodes"),
            LayerCase("softmax", 2, 3, 2, 4, label="non-square input"),
            LayerCase("softmax", 3, 2, 4, 5, label="more channels than rows"),
            LayerCase("softmax", 2, 2, 1, 3, label="one channel"),
            LayerCase("softmax", 1, 4, 3, 2, label="one row, two nodes"),
            LayerCase("softmax", 4, 1, 2, 6, label="one column, six nodes"),
            LayerCase("softmax", 3, 3, 3, 10, label="ten nodes, as the notes' digits"),
            LayerCase("softmax", 5, 4, 2, 7, label="non-square, seven nodes"),
            LayerCase("softmax", 13, 13, 8, 10, label="the notes' size")]
