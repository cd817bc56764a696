r"""The closed-form rules written on 2-D SymPy arrays: pad, crop, dilate, rot180, cross-correlate.

These mirror ``checker/ops.py`` on symbols, so that a rule can be proved against the exact derivative
(one difference: ``full_xcorr`` does not rotate its kernel, ``ops.full_conv2d`` does). Arrays are nested
lists of SymPy expressions; zero entries are skipped when products are formed, so a padded or dilated
array costs only its non-zero terms. Also here: the fast canonical constructors ``prod``/``total`` and
``paused_gc``, which the derivations' hot loops share.

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

import gc
from contextlib import contextmanager

import sympy

Z = sympy.S.Zero


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while a derivation allocates its expressions.

    A derivation creates ~10^5 SymPy objects that stay alive; every generation-0 collection rescans the
    young ones and older generations rescan them all, which measured 14.6 s against 3.2 s for LeNet C1.
    SymPy expressions are acyclic trees, freed by reference counting, so nothing leaks meanwhile.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_KEYS: dict = {}


def _key(sym):
    """Basic.compare's order among plain Symbols: length of the hashable content, then the content."""
    k = _KEYS.get(sym)
    if k is None:
        hc = sym._hashable_content()
        k = _KEYS[sym] = (len(hc), hc)
    return k


def _plain(e) -> bool:
    return type(e) is sympy.Symbol


def prod(a, b):
    """``a*b`` for two distinct plain symbols, built in SymPy's canonical order without ``Mul.flatten``.

    Mul.flatten costs ~0.1 ms per call and runs once per term; for two plain symbols the canonical Mul is
    the pair in ``Basic.compare`` order, which ``_key`` reproduces (tests check the objects are identical to
    ``sympy.Mul``'s). Anything else takes the general path.

    >>> from sympy import Symbol, Mul
    >>> x, k = Symbol("K11"), Symbol("A11")
    >>> prod(x, k) == Mul(x, k) and prod(x, k).args == Mul(x, k).args
    True
    """
    if _plain(a) and _plain(b) and a.name != b.name:  # name, not sympy's ==: ~10 us per call saved
        return sympy.Mul._from_args((a, b) if _key(a) < _key(b) else (b, a), True)
    return sympy.Mul(a, b)


def _zero(v) -> bool:
    """Is ``v`` a zero entry? Padding and dilation insert the singleton S.Zero; kernels may hold plain 0."""
    return v is Z or (type(v) in (int, float) and v == 0)


def _is_pair(t) -> bool:
    return type(t) is sympy.Mul and len(t.args) == 2 and _plain(t.args[0]) and _plain(t.args[1])


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
    if all(_is_pair(t) for t in terms) and len(set(terms)) == len(terms):
        seq = sorted(terms, key=lambda t: (_key(t.args[0]), _key(t.args[1])))
        return sympy.Add._from_args(tuple(seq), True)
    return sympy.Add(*terms)


def flat(arr) -> list:
    """Entries in row-major order, from the flat storage when there is one (indexing costs ~0.2 ms an entry);
    a scalar is a list of one."""
    if not getattr(arr, "shape", ()):
        return [arr]
    return list(getattr(arr, "_array", None) or arr.reshape(len(arr)).tolist())


def nested(arr) -> list:
    """A SymPy array as nested lists, read from its flat storage (``Array.tolist`` indexes entry by entry)."""
    flat_entries = flat(arr)
    for size in reversed(arr.shape[1:]):
        flat_entries = [flat_entries[i : i + size] for i in range(0, len(flat_entries), size)]
    return flat_entries


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
    nz = [(p, q, k[p][q]) for p in range(kh) for q in range(kw) if not _zero(k[p][q])]
    out = []
    for i in range(oh):
        row = []
        for j in range(ow):
            row.append([prod(a[i + p][j + q], v) for p, q, v in nz if not _zero(a[i + p][j + q])])
        out.append(row)
    return out


def xcorr(a, k):
    """Valid cross-correlation: out[i][j] = sum_{p,q} a[i+p][j+q] * k[p][q]."""
    return [[total(t) for t in row] for row in xcorr_terms(a, k)]


def full_xcorr(g, k):
    """Full cross-correlation: pad ``g`` by the kernel size minus one on every side, then cross-correlate."""
    kh, kw = len(k), len(k[0])
    return xcorr(pad(g, kh - 1, kh - 1, kw - 1, kw - 1), k)
