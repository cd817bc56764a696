r"""The data objects every derivation returns; renderers and the checker read these, nothing else.

A derivation is exact SymPy data plus plain Python values: no prose, no rich. Teaching text lives in
``presentation/`` and is looked up by :attr:`Step.key`, so one derivation serves every language.

>>> r = Rule("demo", "1 + 1 = 2", True, checked=1)
>>> r.holds, r.counterexample is None
(True, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import sympy

from ._validate import GradproofError, UnknownName


@dataclass(frozen=True)
class Mismatch:
    """The first entry where a rule differs from the exact derivative."""

    grad: str  # name of the gradient, e.g. "A" or "x"
    index: tuple[int, ...]  # 0-based index into that gradient
    expected: sympy.Expr  # the exact derivative
    got: sympy.Expr  # what the rule gives


@dataclass(frozen=True)
class Rule:
    """A closed-form rule, proved (or refuted) entry by entry at a concrete shape."""

    name: str
    statement: str
    holds: bool
    counterexample: Mismatch | None = None
    checked: int = 0  # how many entries were compared
    # For a tie or kink rule: its verdict under the tie policy (``derivations.ties``), worst over the windows
    # or entries; 'subgradient' means it differs from the exact derivative (our convention) yet is valid.
    tie_verdict: str | None = None


@dataclass(frozen=True)
class Meeting:
    """One input entry: the kernel (or window) entries and output entries it meets."""

    input: sympy.Symbol
    pairs: tuple[tuple[sympy.Basic, sympy.Symbol], ...]  # (kernel entry, output entry)


@dataclass(frozen=True)
class Step:
    """One teaching step: a key naming its text (in presentation/) and the values it shows."""

    key: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Derivation:
    """Exact forward and backward formulas of one operation at one concrete shape, with proofs."""

    op: str
    params: Mapping[str, Any]
    names: Mapping[str, str]  # role -> symbol name, e.g. {"input": "A", "kernel": "K", ...}
    symbols: Mapping[str, sympy.Array]
    forward: sympy.Array
    grads: Mapping[str, sympy.Array]
    rules: tuple[Rule, ...] = ()
    association: tuple[Meeting, ...] = ()
    steps: tuple[Step, ...] = ()
    general: Mapping[str, Any] = field(default_factory=dict)  # index-notation formulas, if any
    pitfalls: tuple[Rule, ...] = ()  # classic wrong rules, refuted with their first wrong entry

    def __post_init__(self):
        for name in ("params", "names", "symbols", "grads", "general"):
            value = getattr(self, name)
            if isinstance(value, dict):  # other Mappings (a lazy one) are kept as they are
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def rule(self, name: str) -> Rule:
        """The rule called ``name``; ``UnknownName`` (a KeyError) listing the known names otherwise."""
        for r in self.rules:
            if r.name == name:
                return r
        raise UnknownName(f"no rule {name!r}; known: {', '.join(r.name for r in self.rules)}")

    def at(self, **values) -> dict:
        """The gradients with named symbol arrays replaced by numbers (a nested list, or one number for all).

        >>> from derivations import derive_conv2d
        >>> derive_conv2d((3, 3), (2, 2), bias=False).at(G=1, K=[[1, 2], [3, 4]])["A"][0, :]
        [1, 3, 2]
        """
        subs = {}
        for name, vals in values.items():
            if name not in self.symbols:
                raise UnknownName(f"no symbols named {name!r}; known: {', '.join(self.symbols)}")
            syms = list(sympy.flatten(self.symbols[name].tolist()))
            nums = [vals] * len(syms) if not isinstance(vals, (list, tuple)) else list(sympy.flatten(vals))
            if len(nums) != len(syms):
                raise GradproofError(f"{name} needs {len(syms)} numbers, got {len(nums)}")
            subs.update(zip(syms, nums))
        return {k: g.subs(subs) for k, g in self.grads.items()}

    @property
    def all_hold(self) -> bool:
        return all(r.holds for r in self.rules)

    def _repr_latex_(self) -> str:
        r"""Jupyter display: the forward array and each gradient as LaTeX matrices, rules marked.

        >>> a = sympy.ImmutableDenseNDimArray([sympy.Symbol("a")], (1, 1))
        >>> Derivation("demo", {}, {"output": "B"}, {"a": a}, a, {"a": a})._repr_latex_()[:24]
        '$\\displaystyle \\begin{al'
        """

        def mat(a):
            # A 24x24 array, or a 3x3 one of 100-term sums, would freeze the notebook's maths renderer.
            if len(a) <= 64:
                tex = sympy.latex(sympy.Matrix(a.tolist())) if len(a.shape) == 2 else sympy.latex(a)
                if len(tex) <= 4000:
                    return tex
            return r"\text{(" + "x".join(str(int(k)) for k in a.shape) + r" array: see .to_dict())}"

        lines = [rf"\text{{{self.op}}}: \quad {self.names.get('output', 'out')} &= {mat(self.forward)}"]
        lines += [rf"\frac{{\partial L}}{{\partial {n}}} &= {mat(g)}" for n, g in self.grads.items()]
        marks = {True: r"\checkmark", False: r"\times"}
        lines += [rf"\text{{{r.name.replace('_', ' ')}}} &: {marks[r.holds]}" for r in self.rules]
        return r"$\displaystyle \begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$"

    def to_dict(self) -> dict:
        """Plain JSON-ready data; every expression as a string that ``sympy.sympify`` parses back."""

        def arr(a):
            return {"shape": [int(k) for k in a.shape], "entries": [str(e) for e in a.reshape(len(a)).tolist()]} if a.shape else str(a)

        return {
            "op": self.op,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "names": dict(self.names),
            "symbols": {k: arr(v) for k, v in self.symbols.items()},
            "forward": arr(self.forward),
            "grads": {k: arr(v) for k, v in self.grads.items()},
            "rules": [_rule_dict(r) for r in self.rules],
            "pitfalls": [_rule_dict(r) for r in self.pitfalls],
            "general": {k: str(v) for k, v in self.general.items()},
        }


def _plain(v):
    """Tuples to lists and SymPy numbers to Python numbers, for JSON."""
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    if isinstance(v, sympy.Basic):
        return int(v) if v.is_Integer else str(v)
    return v


def _rule_dict(r: Rule) -> dict:
    cx = r.counterexample
    return {
        "name": r.name,
        "statement": r.statement,
        "holds": r.holds,
        "checked": r.checked,
        "tie_verdict": r.tie_verdict,
        "counterexample": None if cx is None else
        {"grad": cx.grad, "index": [int(i) for i in cx.index], "expected": str(cx.expected), "got": str(cx.got)},
    }
