r"""Entry-by-entry proof for rational functions of exponentials (softmax, cross-entropy), without ``cancel``.

``cancel`` puts a rational function in a unique p/q form by polynomial gcds: a second or more per entry
once ten softmax probabilities meet an upstream gradient. Equality needs less: ``a = b`` exactly when the
numerator of ``together(a - b)`` expands to 0. Each ``exp(u)`` is first replaced by a fresh positive
symbol, so SymPy cannot merge ``exp(u) * exp(v)`` on one side and not on the other; the exponentials of
distinct arguments are then independent generators, as they are for the polynomials ``cancel`` builds.
A failed entry is reported with the original ``expected`` and ``got``, as ``_proof.prove`` does.

>>> from sympy import Array, exp, symbols
>>> a, b = symbols("a b", real=True)
>>> s = exp(a) + exp(b)
>>> prove_rational("sum_to_one", "p_a + p_b = 1", {"g": Array([exp(a) / s + exp(b) / s])}, {"g": Array([1])}).holds
True
>>> r = prove_rational("bad", "p_a = 1/2", {"g": Array([exp(a) / s])}, {"g": Array([sympy.Rational(1, 2)])})
>>> r.holds, r.counterexample.got
(False, 1/2)
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import sympy

from ._proof import prove


def exp_atoms(*exprs) -> dict:
    """Each ``exp(c*u)`` in ``exprs`` (c a rational number) as ``t_u**c``, one positive symbol ``t_u`` per ``u``.

    SymPy writes ``exp(u)**2`` as ``exp(2*u)`` and ``1/exp(u)`` as ``exp(-u)``: one symbol for all three keeps
    them the same generator. The substitution is sound whatever the arguments (put ``t_u = exp(u)`` back);
    it is also complete when the distinct ``u`` are linearly independent over the rationals, as distinct
    logits and distinct polynomials in the parameters are.

    >>> a = sympy.Symbol("a", real=True)
    >>> sorted(str(v) for v in exp_atoms(sympy.exp(2 * a) + sympy.exp(-a)).values())
    ['1/_t0', '_t0**2']
    """
    found, base = {}, {}
    for e in exprs:
        for atom in e.atoms(sympy.exp):
            c, u = atom.exp.as_coeff_Mul()
            t = base.setdefault(u, sympy.Dummy(f"t{len(base)}", positive=True))
            found[atom] = t ** c
    return found


def rational_zero(d: sympy.Expr) -> sympy.Expr:
    """The expanded numerator of ``together(d)`` with exponentials as symbols: 0 exactly when ``d`` is 0."""
    d = d.xreplace(exp_atoms(d))
    return sympy.expand(sympy.fraction(sympy.together(d))[0])


def prove_rational(name: str, statement: str, exact: Mapping[str, sympy.Array],
                   rule: Mapping[str, sympy.Array]):
    """Like ``_proof.prove`` (same Rule, same first counterexample) for rational functions of exponentials."""
    if any(tuple(exact[k].shape) != tuple(rule[k].shape) for k in exact):
        return prove(name, statement, exact, rule)  # it reports the shapes
    zero = {k: sympy.ImmutableDenseNDimArray([0] * len(v), v.shape) if v.shape else v for k, v in exact.items()}
    diffs = {k: (exact[k] - rule[k]).applyfunc(rational_zero) for k in exact}
    r = prove(name, statement, zero, diffs)
    if r.counterexample is None:
        return r
    cx = r.counterexample
    return replace(r, counterexample=replace(cx, expected=exact[cx.grad][cx.index], got=rule[cx.grad][cx.index]))
