r"""Symbolic tensors named as learners read them.

The seed material's 2-D names are 1-based and run together (``A11``, ``K23``); once a size exceeds 9 the
indices are separated (``A_10_11``) so that no name is ambiguous. The cs231n names are 0-based and always
separated (``x_0_1_2_3`` is x[0, 1, 2, 3]). Every symbol is real, as every tensor entry is.

>>> seed_tensor("A", (2, 3))
[[A11, A12, A13], [A21, A22, A23]]
>>> seed_tensor("A", (10, 1))[9, 0]
A_10_1
>>> cs231n_tensor("b", (2,))
[b_0, b_1]
"""
from __future__ import annotations

import itertools

import sympy


def seed_tensor(name: str, shape: tuple[int, ...]) -> sympy.Array:
    """A tensor of real symbols with 1-based seed-material names (``A11``, or ``A_10_11`` past 9)."""
    sep = "_" if max(shape) > 9 else ""
    entries = [
        sympy.Symbol(name + sep + sep.join(str(i + 1) for i in idx), real=True)
        for idx in itertools.product(*(range(n) for n in shape))
    ]
    return sympy.ImmutableDenseNDimArray(entries, shape)


def cs231n_tensor(name: str, shape: tuple[int, ...]) -> sympy.Array:
    """A tensor of real symbols with 0-based cs231n names (``x_0_1_2_3`` is x[0, 1, 2, 3])."""
    entries = [
        sympy.Symbol(name + "_" + "_".join(str(i) for i in idx), real=True)
        for idx in itertools.product(*(range(n) for n in shape))
    ]
    return sympy.ImmutableDenseNDimArray(entries, shape)


def indices(shape: tuple[int, ...]):
    """Every index of a shape, in row-major order."""
    return itertools.product(*(range(n) for n in shape))
