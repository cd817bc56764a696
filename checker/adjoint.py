r"""The exact adjoint (dot-product) test for arguments in which a layer is linear (or affine).

If out = A x + c in argument x (the other arguments fixed), backward must return A^T g, and
<A x, g> = <x, A^T g> holds up to round-off alone: no step, no truncation. The affine part c is removed by
evaluating the forward with that argument set to zero. Round-off bound: each side is a sum of products;
its error is at most eps * (number of terms) * sum |terms|; we use 8 * eps * sqrt(out.size + x.size) *
sum |terms| (random-walk accumulation, with room), where the terms are |out| |g| and |out - A x| |g| (the
forward's own round-off, twice evaluated) and |x| |A^T g|.

>>> import numpy as np

from derivations._validate import GradproofError
>>> a = adjoint_check(lambda x: 2 * x + 1, lambda g, x: (2 * g,), [np.arange(3.0)], arg=0, seed=0)
>>> a.ok
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derivations._validate import GradproofError


@dataclass(frozen=True)
class AdjointResult:
    """<A x, g> against <x, A^T g> for one argument."""

    name: str
    lhs: float
    rhs: float
    tol: float

    @property
    def ok(self) -> bool:
        return bool(abs(self.lhs - self.rhs) <= self.tol)


def adjoint_check(forward, backward, inputs, *, arg: int, name: str = "x", dout=None, seed=None,
                  params=None) -> AdjointResult:
    """The dot-product test of ``backward`` in argument ``arg`` of a layer linear (or affine) in it."""
    params = dict(params or {})
    arrays = [np.asarray(a, dtype=np.float64) for a in inputs]
    if not 0 <= arg < len(arrays):
        raise GradproofError(f"arg must index one of the {len(arrays)} inputs, got {arg!r}")
    out = np.asarray(forward(*[a.copy() for a in arrays], **params))
    zero = [np.zeros_like(a) if i == arg else a.copy() for i, a in enumerate(arrays)]
    ax = out - np.asarray(forward(*zero, **params))
    g = np.random.default_rng(seed).standard_normal(out.shape) if dout is None else np.asarray(dout, np.float64)
    grads = backward(g.copy(), *[a.copy() for a in arrays], **params)
    grads = (grads,) if isinstance(grads, np.ndarray) else tuple(grads)
    atg = np.asarray(grads[arg], dtype=np.float64)
    if atg.shape != arrays[arg].shape:
        raise GradproofError(f"gradient of {name} has shape {atg.shape}, input has {arrays[arg].shape}")
    x = arrays[arg]
    lhs, rhs = float(np.sum(ax * g)), float(np.sum(x * atg))
    terms = np.abs(out * g).sum() + (np.abs(out - ax) * np.abs(g)).sum() + np.abs(x * atg).sum()
    eps = float(np.finfo(np.float64).eps)
    return AdjointResult(name, lhs, rhs, 8 * eps * np.sqrt(out.size + x.size) * float(terms))
