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

from ._symbols import indices


def scatter_grads(forward: sympy.Array, upstream: sympy.Array, variables: Mapping[str, sympy.Array]):
    """Gradients of ``sum(upstream * forward)`` with respect to each named array of symbols."""
    where = {}  # symbol -> (name, index)
    terms = {}
    for name, arr in variables.items():
        for idx in indices(tuple(arr.shape)):
            where[arr[idx]] = (name, idx)
            terms[(name, idx)] = []
    for idx in indices(tuple(forward.shape)):
        g = upstream[idx]
        for term in sympy.Add.make_args(sympy.expand(forward[idx])):
            factors = sympy.Mul.make_args(term)
            for i, f in enumerate(factors):
                base, power = f.as_base_exp()
                key = where.get(base)
                if key is None:
                    continue
                rest = factors[:i] + factors[i + 1:]
                coef = sympy.Mul(*rest) if power == 1 else power * base ** (power - 1) * sympy.Mul(*rest)
                terms[key].append(g * coef)
    out = {}
    for name, arr in variables.items():
        shape = tuple(arr.shape)
        flat = [sympy.Add(*terms[(name, idx)]) for idx in indices(shape)]
        out[name] = sympy.ImmutableDenseNDimArray(flat, shape)
    return out
