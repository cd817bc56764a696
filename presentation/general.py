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
    import sympy  # start-up time: SymPy takes about a second to load

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


def tidy_indices(expr):
    """Indices written as one fraction, ``(-m + p + 1)/2`` rather than SymPy's ``-m/2 + p/2 + 1/2``.

    >>> import sympy
    >>> m, p = sympy.symbols("m p", integer=True)
    >>> str(tidy_indices(sympy.IndexedBase("G")[-m / 2 + p / 2 + sympy.Rational(1, 2)]))
    'G[(-m + p + 1)/2]'
    """
    import sympy  # start-up time: SymPy takes about a second to load

    def one_fraction(e):
        num, den = sympy.fraction(sympy.together(e))
        return e if den == 1 else sympy.Mul(num, sympy.Pow(den, -1, evaluate=False), evaluate=False)

    return expr.replace(lambda e: isinstance(e, sympy.Indexed),
                        lambda e: e.base[tuple(one_fraction(i) for i in e.indices)])


def _bound_text(e) -> str:
    import sympy  # start-up time: SymPy takes about a second to load

    return sympy.sstr(e).replace("Max(", "max(").replace("Min(", "min(")


def readable_sum(expr, conds) -> str:
    """A sum on one line as a person writes it: index ranges under the Σ, the stride's divisibility as
    Iverson brackets ``[2 | p - m + 1]`` (1 when 2 divides it, else 0), indices as one fraction each.

    >>> from derivations import general_conv2d
    >>> readable_sum(*split_divisibility(general_conv2d(stride=2, pad=1)["dA"]))[:60]
    "Σ_{m = max(0, -2*H' + p + 3)..min(HH - 1, p + 1), n = max(0,"
    """
    import sympy  # start-up time: SymPy takes about a second to load

    if not isinstance(expr, sympy.Sum):
        return sympy.sstr(tidy_indices(expr))
    ranges = ", ".join(f"{v} = {_bound_text(lo)}..{_bound_text(hi)}" for v, lo, hi in reversed(expr.limits))
    brackets = "".join(f"[{m} | {sympy.sstr(e)}]·" for e, m in conds)
    body = sympy.sstr(tidy_indices(expr.function)).replace("*", "·")
    return f"Σ_{{{ranges}}} {brackets}{body}"


def general_formula(label: str, expr, width: int, lang: str = "en") -> Group:
    """An index-notation formula: SymPy's 2-D layout when it fits the width and needs no divisibility
    condition, else one line rich can wrap, with Iverson brackets for the stride."""
    import sympy  # start-up time: SymPy takes about a second to load

    expr, conds = split_divisibility(expr)
    art = sympy.pretty(tidy_indices(expr), use_unicode=True, wrap_line=False) if not isinstance(expr, str) else expr
    if conds or max(len(line) for line in art.splitlines()) > width:
        art = readable_sum(expr, conds)  # the 2-D sum signs would be cut into unreadable strips
    parts = [Text(f"{GENERAL_LHS.get(label, label)} =", style="bold"), Text(art)]
    if conds:
        parts.append(Text(text("derive.iverson", lang)))
    return Group(*parts, Text(""))
