r"""Entry-by-entry proof that a closed-form rule equals the exact derivative.

``expand(a - b) == 0`` is a proof of equality for polynomial entries; plain ``==`` between two sums can be
False for equal sums, so only a zero difference is trusted. The quick path (the difference already collapses
to 0 when both sides are expanded sums) avoids ``expand`` for the common case.

>>> from sympy import symbols, Array
>>> a, b = symbols("a b")
>>> prove("ok", "a(a+b) = a^2 + ab", {"g": Array([a * (a + b)])}, {"g": Array([a**2 + a * b])}).holds
True
>>> r = prove("bad", "a = b", {"g": Array([a, a])}, {"g": Array([a, b])})
>>> r.holds, r.counterexample.index, r.counterexample.got
(False, (1,), b)
"""
from __future__ import annotations

from collections import Counter
from typing import Mapping

import sympy

from ._symbols import indices
from ._types import Mismatch, Rule


def entries_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    """True only when ``a - b`` is provably zero (expanded).

    Two sums whose canonical terms form the same multiset are equal; that costs a hash per term instead of
    an ``Add`` construction. A different multiset proves nothing (terms may merge), so ``expand`` decides.
    """
    if a == b or Counter(sympy.Add.make_args(a)) == Counter(sympy.Add.make_args(b)):
        return True
    d = a - b
    if d == 0:
        return True
    return sympy.expand(d) == 0


def prove(name: str, statement: str, exact: Mapping[str, sympy.Array], rule: Mapping[str, sympy.Array]) -> Rule:
    """Compare every entry of ``rule`` with ``exact``; the first difference becomes the counterexample.

    A rule whose arrays have the wrong shape does not hold; its counterexample has an empty index and the
    shapes as its values.
    """
    checked = 0
    for grad, want in exact.items():
        got = rule[grad]
        if tuple(got.shape) != tuple(want.shape):
            return Rule(name, statement, False,
                        Mismatch(grad, (), sympy.Tuple(*want.shape), sympy.Tuple(*got.shape)), checked)
        for idx in indices(tuple(want.shape)):
            checked += 1
            if not entries_equal(want[idx], got[idx]):
                return Rule(name, statement, False, Mismatch(grad, tuple(idx), want[idx], got[idx]), checked)
    return Rule(name, statement, True, None, checked)
