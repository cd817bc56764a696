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

import numpy as np

from checker import ops, pool_ops
from derivations._validate import GradproofError
from .compare import check, check_pool_ties
from .configs import FD_CONV, FD_POOL
from .notes_cnn import NOTES_CNN
from .spec import A, FunctionSpec, Interface, V

__all__ = ["CS231N", "FD_CONV", "FD_POOL", "INTERFACES", "NATIVE", "FunctionSpec", "Interface", "get_interface",
           "suggest_interface"]


# --- references (float64, from the proven rules) ------------------------------------------------------
def _conv_in(cfg, seed):
    return cfg.inputs(seed)


def _conv_fwd(cfg, a):
    return (ops.conv2d_forward(a["x"], a["w"], a["b"], stride=cfg.stride, pad=cfg.pad),)


def _conv_bwd(cfg, a):
    return ops.conv2d_backward(a["dout"], a["x"], a["w"], stride=cfg.stride, pad=cfg.pad)


def _pool_fwd(cfg, a):
    return (pool_ops.maxpool_forward(a["x"], cfg.pool_h, cfg.pool_w, stride=cfg.stride),)


def _pool_bwd(cfg, a):
    return (pool_ops.maxpool_backward(a["dout"], a["x"], cfg.pool_h, cfg.pool_w, stride=cfg.stride),)


def _tie_judge(x: str, g: str):
    """Max-pool backward's judge: on a case with ties any split among the tied maxima is right."""
    def judge(cfg, a, actual, ref):
        if not cfg.ties:
            return check(actual, ref)
        return check_pool_ties(actual, ref, a[x], a[g], cfg.pool_h, cfg.pool_w, cfg.stride)
    return judge


# a conv backward's points: dx 5, dw 3, db 2 of every 10 (dx is the part students find hardest)
CONV_SPLIT = (5.0, 3.0, 2.0)


def _conv_param(cfg):
    return V({"stride": cfg.stride, "pad": cfg.pad})


def _pool_param(cfg):
    return V({"pool_height": cfg.pool_h, "pool_width": cfg.pool_w, "stride": cfg.stride})


CS231N = Interface("cs231n", module="layers.py",
                   title="Convolution and max-pooling layers, forward and backward (cs231n interface).", functions=(
    FunctionSpec("conv_forward_naive", ("out",), 2, _conv_in,
                 lambda c: [A("x"), A("w"), A("b"), _conv_param(c)], _conv_fwd,
                 signature="x, w, b, conv_param", role="conv_forward", divisible=True,
                 doc="x (N,C,H,W), w (F,C,HH,WW), b (F,), conv_param {'stride', 'pad'} -> (out, cache); "
                     "out (N,F,H',W') with H' = 1 + (H + 2*pad - HH) // stride"),
    FunctionSpec("conv_backward_naive", ("dx", "dw", "db"), 3, _conv_in, lambda c: [A("dout")], _conv_bwd,
                 signature="dout, cache", role="conv_backward", forward="conv_forward_naive", split=CONV_SPLIT, wrt=("x", "w", "b"),
                 cache=lambda c: ("conv_forward_naive", [A("x"), A("w"), A("b"), _conv_param(c)]),
                 divisible=True,
                 doc="dout (N,F,H',W'), cache from conv_forward_naive -> (dx (N,C,H,W), dw (F,C,HH,WW), db (F,))"),
    FunctionSpec("max_pool_forward_naive", ("out",), 2, lambda c, s: c.inputs(s),
                 lambda c: [A("x"), _pool_param(c)], _pool_fwd,
                 signature="x, pool_param", role="pool_forward", divisible=True,
                 doc="x (N,C,H,W), pool_param {'pool_height', 'pool_width', 'stride'} -> (out, cache); "
                     "out (N,C,H',W') with H' = 1 + (H - pool_height) // stride"),
    FunctionSpec("max_pool_backward_naive", ("dx",), 1, lambda c, s: c.inputs(s), lambda c: [A("dout")],
                 _pool_bwd, signature="dout, cache", role="pool_backward", forward="max_pool_forward_naive", wrt=("x",), judge=_tie_judge("x", "dout"),
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
    return {"g": rng.standard_normal((cfg.H // cfg.pool_h, cfg.W // cfg.pool_w))}


NATIVE = Interface("native", module="gradproof_hw.py",
                   title="Convolution and pooling, from 2-D building blocks to batched layers (gradproof interface).",
                   functions=(
    FunctionSpec("xcorr2d", ("out",), 1, _plane, lambda c: [A("a"), A("k")],
                 lambda c, a: (ops.xcorr2d(a["a"], a["k"]),), signature="a, k", role="xcorr2d",
                 doc="a (H,W), k (HH,WW) -> valid cross-correlation (H-HH+1, W-WW+1)"),
    FunctionSpec("rot180", ("out",), 1, _plane, lambda c: [A("k")], lambda c, a: (ops.rot180(a["k"]),),
                 signature="k", role="rot180",
                 doc="k (HH,WW) -> k rotated by 180 degrees"),
    FunctionSpec("full_conv2d", ("out",), 1, _plane, lambda c: [A("a"), A("k")],
                 lambda c, a: (ops.full_conv2d(a["a"], a["k"]),), signature="g, k", role="full_conv2d",
                 doc="g (H,W), k (HH,WW) -> full convolution (H+HH-1, W+WW-1), MATLAB conv2(g, k, 'full')"),
    FunctionSpec("meanpool_backward2d", ("dx",), 1, _mean_plane, lambda c: [A("g"), V(c.pool_h), V(c.pool_w)],
                 lambda c, a: (pool_ops.kron_upsample(a["g"], (c.pool_h, c.pool_w)),), signature="g, kh, kw",
                 role="mean2d",
                 doc="g (H',W'), kh, kw -> kron(g, ones(kh, kw)) / (kh*kw), non-overlapping windows"),
    FunctionSpec("maxpool_backward2d", ("dx",), 1, _pool_plane,
                 lambda c: [A("g"), A("a"), V(c.pool_h), V(c.pool_w), V(c.stride)],
                 lambda c, a: (pool_ops.maxpool_backward(a["g"], a["a"], c.pool_h, c.pool_w, stride=c.stride),),
                 signature="g, a, kh, kw, stride", role="pool2d", judge=_tie_judge("a", "g"),
                 doc="g (H',W'), a (H,W), kh, kw, stride -> each g[i,j] added to the argmax of window (i,j)"),
    FunctionSpec("conv_forward", ("out",), 1, _conv_in,
                 lambda c: [A("x"), A("w"), A("b"), V(c.stride), V(c.pad)], _conv_fwd,
                 signature="x, w, b, stride, pad", role="conv_forward",
                 doc="x (N,C,H,W), w (F,C,HH,WW), b (F,), stride, pad -> out (N,F,H',W')"),
    FunctionSpec("conv_backward", ("dx", "dw", "db"), 3, _conv_in,
                 lambda c: [A("dout"), A("x"), A("w"), V(c.stride), V(c.pad)], _conv_bwd,
                 signature="dout, x, w, stride, pad", role="conv_backward", forward="conv_forward", split=CONV_SPLIT, wrt=("x", "w", "b"),
                 doc="dout (N,F,H',W'), x, w, stride, pad -> (dx, dw, db)"),
    FunctionSpec("maxpool_forward", ("out",), 1, lambda c, s: c.inputs(s),
                 lambda c: [A("x"), V(c.pool_h), V(c.pool_w), V(c.stride)], _pool_fwd,
                 signature="x, kh, kw, stride", role="pool_forward",
                 doc="x (N,C,H,W), kh, kw, stride -> out (N,C,H',W')"),
    FunctionSpec("maxpool_backward", ("dx",), 1, lambda c, s: c.inputs(s),
                 lambda c: [A("dout"), A("x"), V(c.pool_h), V(c.pool_w), V(c.stride)], _pool_bwd,
                 signature="dout, x, kh, kw, stride", role="pool_backward", forward="maxpool_forward", wrt=("x",), judge=_tie_judge("x", "dout"),
                 doc="dout (N,C,H',W'), x, kh, kw, stride -> dx (N,C,H,W)"),
))

INTERFACES = {"cs231n": CS231N, "native": NATIVE, "notes-cnn": NOTES_CNN}
_BY_NAME = {f.name: f for iface in INTERFACES.values() for f in iface.functions}
assert len(_BY_NAME) == sum(len(i.functions) for i in INTERFACES.values()), "function names are keys across interfaces"


def spec_named(name: str) -> FunctionSpec | None:
    """The function called ``name`` in either interface (their names differ), None for any other name.

    >>> spec_named("max_pool_backward_naive").role
    'pool_backward'
    """
    return _BY_NAME.get(name)


def get_interface(name: str) -> Interface:
    """The interface called ``name``; ValueError naming the choices otherwise."""
    if name not in INTERFACES:
        raise GradproofError(f"interface must be one of {sorted(INTERFACES)}, got {name!r}")
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

    def defined(spec) -> bool:   # notes-cnn's "Conv3x3.forward": its class is what a file defines
        name = spec.name.partition(".")[0].encode()
        return re.search(rb"^[ \t]*(?:def|class)[ \t]+" + name + rb"[ \t]*[(:]", src, re.M) is not None

    if any(defined(f) for f in get_interface(interface).functions):
        return None
    for name, other in INTERFACES.items():
        if name != interface and 2 * sum(defined(f) for f in other.functions) >= len(other.functions):
            return name
    return None
