r"""The general (index-notation) formulas of a derivation, laid out for a reader.

Which formulas are shown, their left-hand sides, and the stride's divisibility factors turned into a
sentence; ``derive`` prints them and ``export`` writes them as LaTeX.
"""
from __future__ import annotations

from rich.console import Group
from rich.text import Text

from .i18n import text

#: Left-hand sides of the general formulas, in the index names the formulas use.
GENERAL_LHS = {"forward": "B[i, j]", "dA": "∂L/∂A[p, q]", "dK": "∂L/∂K[u, v]", "loss": "L"}


def shown_general(d):
    """The general formulas a reader is shown: all but the summed loss, the derivation's input, not a result."""
    return [(k, v) for k, v in d.general.items() if k != "loss"]


def split_divisibility(expr):
    """``Sum(delta(0, Mod(e, s)) * body, ...)`` as ``(Sum(body, ...), [(e, s), ...])``: the stride's
    integrality conditions read better as a sentence than as factors that triple the formula's width.

    >>> from derivations import general_conv2d
    >>> _, conds = split_divisibility(general_conv2d(stride=2)["dA"])
    >>> [str(m) for _, m in conds]
    ['2', '2']
    """
    import sympy

    if not isinstance(expr, sympy.Sum):
        return expr, []
    factors = sympy.Mul.make_args(expr.function)
    deltas = [f for f in factors if isinstance(f, sympy.KroneckerDelta) and f.has(sympy.Mod)]
    if not deltas:
        return expr, []
    conds = []
    for f in deltas:
        mod = next(a for a in f.args if isinstance(a, sympy.Mod))
        conds.append(mod.args)
    body = sympy.Mul(*[f for f in factors if f not in deltas])
    return sympy.Sum(body, *expr.limits), conds


def general_formula(label: str, expr, width: int, lang: str = "en") -> Group:
    """An index-notation formula: SymPy's 2-D layout when it fits the width, else one line rich can wrap."""
    import sympy

    expr, conds = split_divisibility(expr)
    art = sympy.pretty(expr, use_unicode=True, wrap_line=False)
    if max(len(line) for line in art.splitlines()) > width:
        art = str(expr)  # the 2-D sum signs would be cut into unreadable strips
    parts = [Text(f"{GENERAL_LHS.get(label, label)} =", style="bold"), Text(art)]
    for e, m in conds:
        parts.append(Text(text("derive.general_divisible", lang, expr=sympy.sstr(e), m=m)))
    return Group(*parts, Text(""))
