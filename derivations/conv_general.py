r"""The general-size convolution gradients in index notation, derived with ``Sum`` and ``KroneckerDelta``.

.. math::
    L = \sum_{m,n}\sum_{i,j} G_{i,j}\, A_{s i + d m - P,\; s j + d n - P}\, K_{m,n}, \qquad
    \frac{\partial L}{\partial A_{p,q}} = \sum_{m=\max(\dots)}^{\min(\dots)} \sum_{n}
        [\,s \mid p + P - d m\,]\; G_{\frac{p+P-dm}{s}, \frac{q+P-dn}{s}}\; K_{m,n}

SymPy differentiates the sums with respect to fresh index symbols ``p, q`` (never the summation variables,
which silently gives a wrong result) and leaves a ``Piecewise`` inside the sum; ``_limits`` turns its
linear conditions into ``Max``/``Min`` limits. SymPy resolves ``KroneckerDelta(s*i + m, p)`` as
``i = (p - m)/s`` without asking that to be an integer, so for ``s > 1`` the divisibility condition is
added here as an explicit factor. Output sizes are the symbols ``H'`` and ``W'``.

>>> g = general_conv2d()
>>> g["dA"]
Sum(G[-m + p, -n + q]*K[m, n], (n, Max(0, -W' + q + 1), Min(q, WW - 1)), (m, Max(0, -H' + p + 1), Min(p, HH - 1)))
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import sympy

from ._validate import out_size, whole

A, K, G = sympy.IndexedBase("A"), sympy.IndexedBase("K"), sympy.IndexedBase("G")
i, j, m, n = sympy.symbols("i j m n", integer=True)
p, q, u, v = sympy.symbols("p q u v", integer=True)  # fresh symbols: the entry differentiated
HO, WO = sympy.symbols("H' W'", integer=True, positive=True)  # output size, supplied, not solved for
HH, WW = sympy.symbols("HH WW", integer=True, positive=True)


def _bound(rel, var):
    """A linear condition on ``var`` as ('lo'|'hi', bound), integer-rounded; None if ``var`` is absent."""
    e = (rel.lhs - rel.rhs) if isinstance(rel, (sympy.LessThan, sympy.StrictLessThan)) else (rel.rhs - rel.lhs)
    a = e.coeff(var)
    if a == 0:
        return None
    c = sympy.expand(e - a * var)  # condition: a*var + c <= 0
    if a > 0:
        return "hi", sympy.floor(-c / a)
    return "lo", sympy.ceiling(-c / a)


def _limits(expr, var, lo, hi):
    """Move the conditions of a ``Piecewise((body, cond), (0, True))`` on ``var`` into its limits."""
    los, his, rest = [lo], [hi], []
    for rel in sympy.And.make_args(expr.args[0].cond):
        b = _bound(rel, var)
        if b is None:
            rest.append(rel)
        else:
            (los if b[0] == "lo" else his).append(b[1])
    body = expr.args[0].expr
    body = sympy.Piecewise((body, sympy.And(*rest)), (0, True)) if rest else body
    return body, sympy.Max(*los), sympy.Min(*his)


@lru_cache(maxsize=16)
def general_conv2d(*, stride: int = 1, pad: int = 0, dilation: int = 1) -> dict:
    r"""Forward, ``dA`` and ``dK`` of a single-channel convolution for any size, in index notation.

    Returns a dict with ``"forward"`` (the entry B[i, j]), ``"dA"`` (entry [p, q]), ``"dK"`` (entry [u, v])
    and ``"loss"``; ``A`` indices are 0-based and count from the unpadded corner.

    >>> general_conv2d(stride=2)["dA"].has(sympy.Mod)
    True
    """
    s, P, d = whole("stride", stride), whole("pad", pad, low=0), whole("dilation", dilation)
    entry = sympy.Sum(A[s * i + d * m - P, s * j + d * n - P] * K[m, n], (m, 0, HH - 1), (n, 0, WW - 1)) \
        + sympy.Symbol("b", real=True)
    # Output indices innermost: then the deltas resolve against i and j, the summation variables of G.
    loss = sympy.Sum(K[m, n] * sympy.Sum(G[i, j] * A[s * i + d * m - P, s * j + d * n - P],
                                         (j, 0, WO - 1), (i, 0, HO - 1)), (n, 0, WW - 1), (m, 0, HH - 1))
    raw = sympy.diff(loss, A[p, q]).doit()  # Sum(Piecewise(...), (n, ...), (m, ...))
    body, (_, ln, hn), (_, lm, hm) = raw.function, raw.limits[0], raw.limits[1]
    body, lo_n, hi_n = _limits(body, n, ln, hn)
    body = sympy.Piecewise((body, True)) if not isinstance(body, sympy.Piecewise) else body
    body, lo_m, hi_m = _limits(body, m, lm, hm) if isinstance(body, sympy.Piecewise) and body.args[0].cond != True \
        else (body.args[0].expr, lm, hm)
    if s > 1:  # the integrality SymPy does not impose: G's row/column index must be whole
        body = body * sympy.KroneckerDelta(sympy.Mod(p + P - d * m, s), 0) \
            * sympy.KroneckerDelta(sympy.Mod(q + P - d * n, s), 0)
    d_a = sympy.Sum(body, (n, lo_n, hi_n), (m, lo_m, hi_m))
    d_k = sympy.diff(loss, K[u, v]).doit()
    while isinstance(d_k, sympy.Piecewise):  # conditions 0 <= u < HH, 0 <= v < WW: true for every entry
        d_k = d_k.args[0].expr
    return {"forward": entry, "dA": d_a, "dK": d_k, "loss": loss}


class LazyGeneral(Mapping):
    """The general formulas of one (stride, pad, dilation), derived on first access (~0.5 s) and cached."""

    KEYS = ("forward", "dA", "dK", "loss")

    def __init__(self, **params):
        self._params = params

    def __getitem__(self, key):
        if key not in self.KEYS:
            raise KeyError(key)
        return general_conv2d(**self._params)[key]

    def __iter__(self):
        return iter(self.KEYS)

    def __len__(self):
        return len(self.KEYS)


def evaluate(expr, *, H: int, W: int, kernel: tuple[int, int], at: dict, stride=1, pad=0, dilation=1):
    """Substitute concrete sizes and an entry index into a general formula and sum it out (for checks).

    >>> from sympy import Indexed
    >>> evaluate(general_conv2d()["dA"], H=3, W=3, kernel=(2, 2), at={p: 0, q: 0})
    G[0, 0]*K[0, 0]
    """
    kh, kw = kernel
    ho = out_size(H, kh, stride=stride, pad=pad, dilation=dilation)
    wo = out_size(W, kw, stride=stride, pad=pad, dilation=dilation)
    return expr.subs({HO: ho, WO: wo, HH: kh, WW: kw, **at}).doit()
