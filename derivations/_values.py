r"""Concrete input values for the derivations that need them (max pooling's routing, ReLU's kink), exactly.

Numbers become SymPy Rationals through their text, so 0.1 is 1/10 and two equal inputs stay an exact tie.

>>> exact_values([0.1, 2], 2, "shape (2,)")
(1/10, 2)
>>> exact_values(None, 4, "shape (2, 2)") is None
True
"""
from __future__ import annotations

import sympy

from ._validate import GradproofError


def exact_values(values, count: int, where: str):
    """``count`` numbers from a flat or nested list as exact Rationals; None stays None; GradproofError otherwise."""
    if values is None:
        return None
    flat = list(sympy.flatten(values)) if isinstance(values, (list, tuple)) else None
    if flat is None or len(flat) != count:
        raise GradproofError(f"values must hold {count} numbers ({where}), got {values!r}")
    try:
        return tuple(sympy.Rational(str(v)) for v in flat)
    except (TypeError, ValueError):
        raise GradproofError(f"values must be numbers, got {values!r}") from None
