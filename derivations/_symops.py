r"""The closed-form rules written on 2-D SymPy arrays: pad, crop, dilate, rot180, cross-correlate.

These mirror ``checker/ops.py`` entry for entry, but on symbols, so that a rule can be proved against the
exact derivative. Arrays are nested lists of SymPy expressions; zero entries are skipped when products are
formed, so a padded or dilated array costs only its non-zero terms.

>>> from sympy import symbols
>>> a, b, c, d = symbols("a b c d")
>>> rot180([[a, b], [c, d]])
[[d, c], [b, a]]
>>> dilate([[a, b], [c, d]], 2)
[[a, 0, b], [0, 0, 0], [c, 0, d]]
>>> xcorr([[a, b], [c, d]], [[1, 0], [0, 1]])
[[a + d]]
"""
from __future__ import annotations

import sympy
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort

Z = sympy.S.Zero


def prod(a, b):
    """``a*b`` for two distinct commutative symbols, built in SymPy's canonical order without ``Mul.flatten``.

    Mul.flatten costs ~0.1 ms per call and runs once per term; for two plain symbols the canonical result is
    just the pair sorted by ``_mulsort`` (tests check the objects are identical to ``sympy.Mul``). Anything
    else takes the general path.

    >>> from sympy import Symbol, Mul
    >>> x, k = Symbol("K11"), Symbol("A11")
    >>> prod(x, k) == Mul(x, k) and prod(x, k).args == Mul(x, k).args
    True
    """
    if getattr(a, "is_Symbol", False) and getattr(b, "is_Symbol", False) and a is not b \
            and a.is_commutative and b.is_commutative:
        args = [a, b]
        _mulsort(args)
        return sympy.Mul._from_args(tuple(args), True)
    return sympy.Mul(a, b)


def total(terms):
    """``Add(*terms)`` for distinct two-symbol products, sorted canonically without ``Add.flatten``.

    Falls back to ``sympy.Add`` whenever a term is not such a product or two terms repeat (they would merge).

    >>> from sympy import symbols, Add
    >>> a, b, c, d = symbols("a b c d")
    >>> t = [prod(c, d), prod(a, b)]
    >>> total(t) == Add(*t) and total(t).args == Add(*t).args
    True
    """
    if len(terms) < 2:
        return terms[0] if terms else Z
    if all(getattr(t, "is_Mul", False) and len(t.args) == 2 and t.args[0].is_Symbol and t.args[1].is_Symbol for t in terms) \
            and len(set(terms)) == len(terms):
        seq = list(terms)
        _addsort(seq)
        return sympy.Add._from_args(tuple(seq), True)
    return sympy.Add(*terms)


def to_lists(arr) -> list[list]:
    """A 2-D SymPy array (or nested list) as a nested list."""
    return arr.tolist() if hasattr(arr, "tolist") else [list(r) for r in arr]


def rot180(a):
    """Rotate by 180 degrees: flip rows and columns."""
    return [list(reversed(r)) for r in reversed(a)]


def dilate(a, s: int):
    """Insert ``s - 1`` zero rows and columns between neighbouring entries."""
    if s == 1:
        return [list(r) for r in a]
    h, w = len(a), len(a[0])
    out = [[Z] * ((w - 1) * s + 1) for _ in range((h - 1) * s + 1)]
    for i in range(h):
        for j in range(w):
            out[i * s][j * s] = a[i][j]
    return out


def pad(a, top: int, bottom: int, left: int, right: int):
    """Zero rows above and below, zero columns left and right."""
    w = len(a[0]) + left + right
    rows = [[Z] * left + list(r) + [Z] * right for r in a]
    return [[Z] * w for _ in range(top)] + rows + [[Z] * w for _ in range(bottom)]


def crop(a, top: int, bottom: int, left: int, right: int):
    """Remove rows and columns from each side (the inverse of ``pad``)."""
    h, w = len(a), len(a[0])
    return [r[left : w - right] for r in a[top : h - bottom]]


def xcorr_terms(a, k):
    """Valid cross-correlation as lists of product terms per entry (zeros skipped)."""
    kh, kw = len(k), len(k[0])
    oh, ow = len(a) - kh + 1, len(a[0]) - kw + 1
    nz = [(p, q, k[p][q]) for p in range(kh) for q in range(kw) if k[p][q] != 0]
    out = []
    for i in range(oh):
        row = []
        for j in range(ow):
            row.append([prod(a[i + p][j + q], v) for p, q, v in nz if a[i + p][j + q] != 0])
        out.append(row)
    return out


def xcorr(a, k):
    """Valid cross-correlation: out[i][j] = sum_{p,q} a[i+p][j+q] * k[p][q]."""
    return [[total(t) for t in row] for row in xcorr_terms(a, k)]


def full_xcorr(g, k):
    """Full cross-correlation: pad ``g`` by the kernel size minus one on every side, then cross-correlate."""
    kh, kw = len(k), len(k[0])
    return xcorr(pad(g, kh - 1, kh - 1, kw - 1, kw - 1), k)


def add(a, b):
    """Entrywise sum of two nested lists of the same shape."""
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]
