r"""Exact gradients of a polynomial forward, read off its terms (linear in the number of terms).

For L = sum_o G[o] * forward[o], dL/dv = sum_o G[o] * d forward[o] / dv. Each forward entry is a sum of
monomials; the derivative of a monomial with respect to one of its factors is the product of the others
(times the power, for a power). Scattering G[o] times that coefficient into the factor's gradient entry
costs one step per term, where ``sympy.diff`` of the flattened loss costs (variables x terms).

>>> from sympy import symbols, Array
>>> a, b, k, g = symbols("a b k g")
>>> grads = scatter_grads(Array([a * k + b * k]), Array([g]), {"in": Array([a, b]), "k": Array([k])})
>>> grads["in"], grads["k"]
([g*k, g*k], [a*g + b*g])
"""
from __future__ import annotations

from typing import Mapping

import sympy

from ._progress import every, report
from ._symbols import indices
from ._symops import flat, prod, total


def scatter_grads(forward: sympy.Array, upstream: sympy.Array, variables: Mapping[str, sympy.Array], *,
                  expanded: bool = False):
    """Gradients of ``sum(upstream * forward)`` with respect to each named array of symbols.

    ``expanded=True`` promises that every forward entry is already a sum of monomials (skips ``expand``).
    """
    where = {}  # symbol -> (name, index)
    terms = {}
    for name, arr in variables.items():
        for idx, sym in zip(indices(tuple(arr.shape)), flat(arr)):
            where[sym] = (name, idx)
            terms[(name, idx)] = []
    flat_g = flat(upstream)
    flat_f = flat(forward)
    step = every(len(flat_f))
    for done, (g, entry) in enumerate(zip(flat_g, flat_f)):
        if done % step == 0:
            report("gradients", done, len(flat_f))
        for term in sympy.Add.make_args(entry if expanded else sympy.expand(entry)):
            factors = sympy.Mul.make_args(term)
            for i, f in enumerate(factors):
                base, power = f.as_base_exp()
                key = where.get(base)
                if key is None:
                    continue
                rest = factors[:i] + factors[i + 1:]
                coef = sympy.Mul(*rest) if power == 1 else power * base ** (power - 1) * sympy.Mul(*rest)
                terms[key].append(prod(g, coef))
    report("gradients", len(flat_f), len(flat_f))
    out = {}
    for name, arr in variables.items():
        shape = tuple(arr.shape)
        entries = [total(terms[(name, idx)]) for idx in indices(shape)]
        out[name] = sympy.ImmutableDenseNDimArray(entries, shape)
    return out

