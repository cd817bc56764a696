"""The two homework interfaces: which functions a student writes, how each is called, and its reference.

``cs231n`` is the interface most courses use: ``conv_forward_naive(x, w, b, conv_param) -> (out, cache)``,
``conv_backward_naive(dout, cache) -> (dx, dw, db)``, ``max_pool_forward_naive(x, pool_param) -> (out,
cache)``, ``max_pool_backward_naive(dout, cache) -> dx``; a backward receives the cache of the student's
own forward. ``native`` is ours and follows the seed's 2-D functions: valid cross-correlation,
rot180, full convolution, mean-pool backward by Kronecker expansion, max-pool backward by routing,
then the batched layers. Reference answers come from ``checker.ops``/``checker.pool_ops`` and are
computed in the grader only.

>>> [f.name for f in INTERFACES["cs231n"].functions]
['conv_forward_naive', 'conv_backward_naive', 'max_pool_forward_naive', 'max_pool_backward_naive']
>>> INTERFACES["native"].function("conv_backward").parts
('dx', 'dw', 'db')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from checker import ops, pool_ops
from .compare import check, check_pool_ties
from .configs import ConvConfig, PoolConfig, conv_battery, drawn, pool_battery

# The small cases on which a failing backward is compared with finite differences of the student's own
# forward. Each holds the bug classes at once (N > 1, non-square, stride 2 with padding, F == C so
# swapped axes keep their shape; overlapping windows), so that a backward bug cannot hide behind a
# wrong forward and collect the credit meant for a right backward.
FD_CONV = ConvConfig(2, 2, 5, 4, 2, 3, 2, stride=2, pad=1, label="small case for finite differences")
FD_POOL = PoolConfig(2, 1, 4, 5, 2, 2, 1, label="small case for finite differences")


def A(name):
    """An argument item: the input array ``name``."""
    return {"a": name}


def V(value):
    """An argument item: a JSON literal."""
    return {"v": value}


@dataclass(frozen=True)
class FunctionSpec:
    """One student function: how to feed it a case and what the right answer is."""

    name: str
    family: str                          # "conv" or "pool": which battery it is graded on
    parts: tuple[str, ...]               # names of the graded return values, in order
    nout: int                            # how many values it returns (cs231n forwards also return a cache)
    inputs: Callable                     # (cfg, seed) -> {name: array} sent to the child
    args: Callable                       # cfg -> list of argument items
    reference: Callable                  # (cfg, inputs) -> tuple of arrays, one per part
    forward: str | None = None           # the forward whose finite differences judge this backward
    wrt: tuple[str, ...] = ()            # the input each part is the gradient of
    cache: Callable | None = None        # cfg -> (forward name, its argument items): cs231n backwards
    doc: str = ""
    divisible: bool = False              # the contract lets students assume output sizes divide evenly
    judge: Callable | None = None        # (cfg, inputs, actual, reference) -> Verdict; default compare.check

    def call(self, cfg) -> dict:
        """The JSON recipe the child follows for one case."""
        recipe = {"args": self.args(cfg), "nout": self.nout, "keep": list(range(len(self.parts)))}
        if self.cache is not None:
            fwd, items = self.cache(cfg)
            recipe.update(cache_from=fwd, cache_args=items, fallback=items)
        return recipe

    def battery(self, seed: int = 0, extra: int = 3, strict: bool = False) -> list:
        """Fixed cases, ``extra`` drawn by hypothesis, and (for a backward) the tiny finite-difference case.

        Under the divisibility contract only the cases whose output size divides evenly; ``strict`` gives
        the others instead (an extra check, weighted on its own). Without the contract ``strict`` has none.
        """
        fixed = conv_battery() if self.family == "conv" else pool_battery()
        if not self.divisible:
            cases = [] if strict else fixed + list(drawn(self.family, seed, extra))
        else:
            # more drawn than needed: about half of the drawn shapes fall on each side of the contract
            cases = ([c for c in fixed if self.admits(c, strict)]
                     + [c for c in drawn(self.family, seed, 4 * extra) if self.admits(c, strict)][:extra])
        if self.forward and not strict:
            cases.append(FD_CONV if self.family == "conv" else FD_POOL)
        return cases

    def admits(self, cfg, strict: bool = False) -> bool:
        """Whether ``cfg`` belongs to the normal battery (or, with ``strict``, to the strict check)."""
        if not self.divisible:
            return not strict
        return cfg.divides != strict


@dataclass(frozen=True)
class Interface:
    name: str
    functions: tuple[FunctionSpec, ...]
    module: str                          # the file name the template uses

    def function(self, name: str) -> FunctionSpec:
        for f in self.functions:
            if f.name == name:
                return f
        raise ValueError(f"function must be one of {[f.name for f in self.functions]}, got {name!r}")


# --- references (float64, from the proven rules) ------------------------------------------------------
def _conv_in(cfg, seed):
    return cfg.inputs(seed)


def _conv_fwd(cfg, a):
    return (ops.conv2d_forward(a["x"], a["w"], a["b"], stride=cfg.stride, pad=cfg.pad),)


def _conv_bwd(cfg, a):
    return ops.conv2d_backward(a["dout"], a["x"], a["w"], stride=cfg.stride, pad=cfg.pad)


def _pool_fwd(cfg, a):
    return (pool_ops.maxpool_forward(a["x"], cfg.PH, cfg.PW, stride=cfg.stride),)


def _pool_bwd(cfg, a):
    return (pool_ops.maxpool_backward(a["dout"], a["x"], cfg.PH, cfg.PW, stride=cfg.stride),)


def _tie_judge(x: str, g: str):
    """Max-pool backward's judge: on a case with ties any split among the tied maxima is right."""
    def judge(cfg, a, actual, ref):
        if not getattr(cfg, "ties", False):
            return check(actual, ref)
        return check_pool_ties(actual, ref, a[x], a[g], cfg.PH, cfg.PW, cfg.stride)
    return judge


def _conv_param(cfg):
    return V({"stride": cfg.stride, "pad": cfg.pad})


def _pool_param(cfg):
    return V({"pool_height": cfg.PH, "pool_width": cfg.PW, "stride": cfg.stride})


CS231N = Interface("cs231n", module="layers.py", functions=(
    FunctionSpec("conv_forward_naive", "conv", ("out",), 2, _conv_in,
                 lambda c: [A("x"), A("w"), A("b"), _conv_param(c)], _conv_fwd,
                 divisible=True,
                 doc="x (N,C,H,W), w (F,C,HH,WW), b (F,), conv_param {'stride', 'pad'} -> (out, cache); "
                     "out (N,F,H',W') with H' = 1 + (H + 2*pad - HH) // stride"),
    FunctionSpec("conv_backward_naive", "conv", ("dx", "dw", "db"), 3, _conv_in, lambda c: [A("dout")], _conv_bwd,
                 forward="conv_forward_naive", wrt=("x", "w", "b"),
                 cache=lambda c: ("conv_forward_naive", [A("x"), A("w"), A("b"), _conv_param(c)]),
                 divisible=True,
                 doc="dout (N,F,H',W'), cache from conv_forward_naive -> (dx (N,C,H,W), dw (F,C,HH,WW), db (F,))"),
    FunctionSpec("max_pool_forward_naive", "pool", ("out",), 2, lambda c, s: c.inputs(s),
                 lambda c: [A("x"), _pool_param(c)], _pool_fwd,
                 divisible=True,
                 doc="x (N,C,H,W), pool_param {'pool_height', 'pool_width', 'stride'} -> (out, cache); "
                     "out (N,C,H',W') with H' = 1 + (H - pool_height) // stride"),
    FunctionSpec("max_pool_backward_naive", "pool", ("dx",), 1, lambda c, s: c.inputs(s), lambda c: [A("dout")],
                 _pool_bwd, forward="max_pool_forward_naive", wrt=("x",), judge=_tie_judge("x", "dout"),
                 cache=lambda c: ("max_pool_forward_naive", [A("x"), _pool_param(c)]),
                 divisible=True,
                 doc="dout (N,C,H',W'), cache from max_pool_forward_naive -> dx (N,C,H,W)"),
))


# --- native: the seed's 2-D functions on one channel, then the batched layers --------------------------
def _plane(cfg, seed):
    a = cfg.inputs(seed)
    return {"a": a["x"][0, 0], "k": a["w"][0, 0]}


def _pool_plane(cfg, seed):
    a = cfg.inputs(seed)
    return {"g": a["dout"][0, 0], "a": a["x"][0, 0]}


def _mean_plane(cfg, seed):
    rng = np.random.default_rng(seed)
    return {"g": rng.standard_normal((cfg.H // cfg.PH, cfg.W // cfg.PW))}


NATIVE = Interface("native", module="gradproof_hw.py", functions=(
    FunctionSpec("xcorr2d", "conv", ("out",), 1, _plane, lambda c: [A("a"), A("k")],
                 lambda c, a: (ops.xcorr2d(a["a"], a["k"]),),
                 doc="a (H,W), k (HH,WW) -> valid cross-correlation (H-HH+1, W-WW+1)"),
    FunctionSpec("rot180", "conv", ("out",), 1, _plane, lambda c: [A("k")], lambda c, a: (ops.rot180(a["k"]),),
                 doc="k (HH,WW) -> k rotated by 180 degrees"),
    FunctionSpec("full_conv2d", "conv", ("out",), 1, _plane, lambda c: [A("a"), A("k")],
                 lambda c, a: (ops.full_conv2d(a["a"], a["k"]),),
                 doc="g (H,W), k (HH,WW) -> full convolution (H+HH-1, W+WW-1), MATLAB conv2(g, k, 'full')"),
    FunctionSpec("meanpool_backward2d", "pool", ("dx",), 1, _mean_plane, lambda c: [A("g"), V(c.PH), V(c.PW)],
                 lambda c, a: (pool_ops.kron_upsample(a["g"], (c.PH, c.PW)),),
                 doc="g (H',W'), kh, kw -> kron(g, ones(kh, kw)) / (kh*kw), non-overlapping windows"),
    FunctionSpec("maxpool_backward2d", "pool", ("dx",), 1, _pool_plane,
                 lambda c: [A("g"), A("a"), V(c.PH), V(c.PW), V(c.stride)],
                 lambda c, a: (pool_ops.maxpool_backward(a["g"], a["a"], c.PH, c.PW, stride=c.stride),),
                 judge=_tie_judge("a", "g"),
                 doc="g (H',W'), a (H,W), kh, kw, stride -> each g[i,j] added to the argmax of window (i,j)"),
    FunctionSpec("conv_forward", "conv", ("out",), 1, _conv_in,
                 lambda c: [A("x"), A("w"), A("b"), V(c.stride), V(c.pad)], _conv_fwd,
                 doc="x (N,C,H,W), w (F,C,HH,WW), b (F,), stride, pad -> out (N,F,H',W')"),
    FunctionSpec("conv_backward", "conv", ("dx", "dw", "db"), 3, _conv_in,
                 lambda c: [A("dout"), A("x"), A("w"), V(c.stride), V(c.pad)], _conv_bwd,
                 forward="conv_forward", wrt=("x", "w", "b"),
                 doc="dout (N,F,H',W'), x, w, stride, pad -> (dx, dw, db)"),
    FunctionSpec("maxpool_forward", "pool", ("out",), 1, lambda c, s: c.inputs(s),
                 lambda c: [A("x"), V(c.PH), V(c.PW), V(c.stride)], _pool_fwd,
                 doc="x (N,C,H,W), kh, kw, stride -> out (N,C,H',W')"),
    FunctionSpec("maxpool_backward", "pool", ("dx",), 1, lambda c, s: c.inputs(s),
                 lambda c: [A("dout"), A("x"), V(c.PH), V(c.PW), V(c.stride)], _pool_bwd,
                 forward="maxpool_forward", wrt=("x",), judge=_tie_judge("x", "dout"),
                 doc="dout (N,C,H',W'), x, kh, kw, stride -> dx (N,C,H,W)"),
))

INTERFACES = {"cs231n": CS231N, "native": NATIVE}


def get_interface(name: str) -> Interface:
    """The interface called ``name``; ValueError naming the choices otherwise."""
    if name not in INTERFACES:
        raise ValueError(f"interface must be one of {sorted(INTERFACES)}, got {name!r}")
    return INTERFACES[name]


def suggest_interface(files: dict[str, bytes], interface: str) -> str | None:
    """The other interface a submission was written for, when it defines none of ``interface``'s functions
    and at least half of the other's (a native file graded as cs231n would only say AttributeError).

    >>> suggest_interface({"a.py": b"def xcorr2d(a, k):\\n    pass\\ndef rot180(k):\\n    pass\\n"
    ...                    b"def conv_forward(x, w, b, s, p):\\n    pass\\ndef conv_backward(d, x, w, s, p):\\n    pass\\n"
    ...                    b"def maxpool_forward(x, kh, kw, s):\\n    pass\\n"}, "cs231n")
    'native'
    """
    src = b"\n".join(files.values())

    def defined(spec) -> bool:
        return re.search(rb"^[ \t]*def[ \t]+" + spec.name.encode() + rb"[ \t]*\(", src, re.M) is not None

    if any(defined(f) for f in get_interface(interface).functions):
        return None
    for name, other in INTERFACES.items():
        if name != interface and 2 * sum(defined(f) for f in other.functions) >= len(other.functions):
            return name
    return None
