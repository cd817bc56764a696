r"""The project's one tie and kink policy, as exact functions the derivations, checker and grader can agree on.

Max pooling: a window's backward is correct iff its upstream gradient ``g`` is split over the window's
maxima only, with weights ``lambda >= 0`` that sum to 1 (a convex combination of the one-hot routes: the
Clarke subdifferential). All of it to the FIRST maximum (``numpy.argmax`` order) is our convention; any
other such split is a valid subgradient that only differs from the convention. The whole ``g`` to every
tied maximum is the named mistake ``every_tie_gets_all`` (k*g in all at a k-way tie).

ReLU at 0: any factor ``t`` in [0, 1] is a subgradient; 0 is our convention.

Weights are compared exactly (ints, ``Fraction``, SymPy numbers, decimal strings; a float is read as the
binary number it is), so 1/3 + 1/3 + 1/3 is 1 and 0.1 + 0.2 is not 0.3.

>>> classify_max_routing([3, 3, 1], [1, 0, 0])
Routing(verdict='convention', mistake=None)
>>> classify_max_routing([3, 3, 1], ["1/2", "1/2", 0])
Routing(verdict='subgradient', mistake=None)
>>> classify_max_routing([3, 3, 3], ["1/2", "1/2", "1/2"]).verdict  # SymPy's Heaviside(0) at a 3-way tie
'not_subgradient'
>>> classify_relu_kink(0, "1/2")
Routing(verdict='subgradient', mistake=None)
"""
from __future__ import annotations

import math
from typing import NamedTuple

import sympy

from ._validate import GradproofError

#: Verdicts from best to worst; a derivation reports the worst over its windows.
VERDICTS = ("convention", "subgradient", "not_subgradient")


class Routing(NamedTuple):
    """How a backward routes one window's (or one kink's) gradient, judged by the tie policy."""

    verdict: str  # one of VERDICTS
    mistake: str | None  # a named mistake, when it is one


def _exact(name: str, v) -> sympy.Rational:
    v = v.item() if hasattr(v, "item") else v  # numpy scalars as Python numbers
    # sympy.Rational(float('nan')) is 0 and Rational(inf) fails obscurely: refuse both by name
    if isinstance(v, float) and not math.isfinite(v):
        raise GradproofError(f"{name} must hold exact real numbers, got {v!r}")
    try:
        r = sympy.Rational(v) if not isinstance(v, sympy.Basic) else v
    except (TypeError, ValueError):
        raise GradproofError(f"{name} must hold exact real numbers, got {v!r}") from None
    if not (isinstance(r, sympy.Basic) and r.is_Rational):
        raise GradproofError(f"{name} must hold exact real numbers, got {v!r}")
    return r


def classify_max_routing(window, weights) -> Routing:
    """Judge ``weights`` (the fraction of the window's gradient each cell receives) at the window's ``window``
    values: 'convention' (all to the first maximum), 'subgradient' (another convex split over the maxima) or
    'not_subgradient'.

    >>> classify_max_routing([5, 5], [1, 1])
    Routing(verdict='not_subgradient', mistake='every_tie_gets_all')
    """
    vals = [_exact("window", v) for v in window]
    lam = [_exact("weights", v) for v in weights]
    if not vals or len(vals) != len(lam):
        raise GradproofError(f"window and weights must be non-empty and of one length, got {len(vals)} and {len(lam)}")
    top = max(vals)
    tied = [i for i, v in enumerate(vals) if v == top]
    if lam == [1 if i == tied[0] else 0 for i in range(len(vals))]:
        return Routing("convention", None)
    on_max = all(lam[i] == 0 for i in range(len(vals)) if i not in tied)
    if on_max and all(lam[i] >= 0 for i in tied) and sum(lam) == 1:
        return Routing("subgradient", None)
    every = len(tied) > 1 and on_max and all(lam[i] == 1 for i in tied)
    return Routing("not_subgradient", "every_tie_gets_all" if every else None)


def classify_relu_kink(z, t) -> Routing:
    """Judge the factor ``t`` a ReLU backward multiplies ``dout`` by at input ``z`` (1 above 0, 0 below).

    >>> classify_relu_kink(0, 0), classify_relu_kink(-1, "1/2").verdict
    (Routing(verdict='convention', mistake=None), 'not_subgradient')
    """
    z, t = _exact("z", z), _exact("t", t)
    want = 1 if z > 0 else 0
    if t == want:
        return Routing("convention", None)
    if z == 0 and 0 <= t <= 1:
        return Routing("subgradient", None)
    return Routing("not_subgradient", None)


def worst(verdicts) -> str:
    """The worst verdict of several windows (the convention when there are none).

    >>> worst(["convention", "subgradient", "convention"])
    'subgradient'
    """
    return max(verdicts, key=VERDICTS.index, default="convention")
