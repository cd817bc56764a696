r"""Entry-by-entry proof for rational functions of exponentials (softmax, cross-entropy), without ``cancel``.

``cancel`` puts a rational function in a unique p/q form by polynomial gcds: a second or more per entry
once ten softmax probabilities meet an upstream gradient. Equality needs less: ``a = b`` exactly when the
numerator of ``together(a - b)`` expands to 0. Each ``exp(u)`` is first replaced by a fresh positive
symbol, so SymPy cannot merge ``exp(u) * exp(v)`` on one side and not on the other; the exponentials of
distinct arguments are then independent generators, as they are for the polynomials ``cancel`` builds.
A failed entry is reported with the original ``expected`` and ``got``, as ``_proof.prove`` does; the first
one ends the proof, so a refuted rule costs only the entries up to its witness.

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

from functools import lru_cache
from typing import Mapping

import sympy

from ._proof import prove
from ._symbols import indices
from ._symops import flat
from ._types import Mismatch, Rule


def exp_atoms(*exprs, base: dict | None = None) -> dict:
    """Each ``exp(c*u)`` in ``exprs`` (c a rational number) as ``t_u**c``, one positive symbol ``t_u`` per ``u``.

    SymPy writes ``exp(u)**2`` as ``exp(2*u)`` and ``1/exp(u)`` as ``exp(-u)``: one symbol for all three keeps
    them the same generator. The substitution is sound whatever the arguments (put ``t_u = exp(u)`` back);
    it is also complete when the distinct ``u`` are linearly independent over the rationals, as distinct
    logits and distinct polynomials in the parameters are. ``base`` (u -> t_u) is shared between calls
    that must agree on the symbols.

    >>> a = sympy.Symbol("a", real=True)
    >>> sorted(str(v) for v in exp_atoms(sympy.exp(2 * a) + sympy.exp(-a)).values())
    ['1/_t0', '_t0**2']
    """
    found, base = {}, ({} if base is None else base)
    todo, seen = list(exprs), set()
    while todo:  # a walk that does not enter an exp: a network's logits hold hundreds of nodes each
        e = todo.pop()
        if isinstance(e, sympy.exp):
            if e not in found:
                c, u = _split(e.exp)
                found[e] = base.setdefault(u, sympy.Dummy(f"t{len(base)}", positive=True)) ** c
        elif e.args and e not in seen:
            seen.add(e)
            todo.extend(e.args)
    return found


@lru_cache(maxsize=4096)
def _split(u):
    """``u`` as (c, v) with ``u = c*v``, c rational: ``factor_terms`` writes -a - b as -(a + b) and 2a + 2b as
    2(a + b), so every multiple of one argument has one base (cached: it costs 30 ms on a network's logit)."""
    return sympy.factor_terms(u).as_coeff_Mul()


def rational_zero(d: sympy.Expr, base: dict | None = None) -> sympy.Expr:
    """0 exactly when ``d`` is 0: the expanded difference, or if that is not 0 the expanded numerator of its
    ``together`` (which costs ten times more), with exponentials as symbols (``base`` as in ``exp_atoms``)."""
    d = sympy.expand(d.xreplace(exp_atoms(d, base=base)))
    return d if d == 0 else sympy.expand(sympy.fraction(sympy.together(d))[0])


def prove_rational(name: str, statement: str, exact: Mapping[str, sympy.Array],
                   rule: Mapping[str, sympy.Array]) -> Rule:
    """Like ``_proof.prove`` (same Rule, same first counterexample) for rational functions of exponentials."""
    if any(tuple(exact[k].shape) != tuple(rule[k].shape) for k in exact):
        return prove(name, statement, exact, rule)  # it reports the shapes
    base, checked = {}, 0
    for grad, want in exact.items():
        got = rule[grad]
        for idx, a, b in zip(indices(tuple(want.shape)), flat(want), flat(got)):
            checked += 1
            # not _proof.entries_equal: its expand would split exp(a + b) into exp(a)*exp(b), term by term
            if a != b and rational_zero(a - b, base) != 0:
                return Rule(name, statement, False, Mismatch(grad, tuple(idx), a, b), checked)
    return Rule(name, statement, True, None, checked)
