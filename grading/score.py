"""Points per function and per part with configurable weights; partial credit by cases passed.

Default: every function is worth 10 points; a backward with several parts splits them by its
``FunctionSpec.split`` (conv: dx 5, dw 3, db 2). ``Weights`` takes overrides per function and per part.

>>> from .results import PartResult, FunctionResult
>>> f = FunctionResult("conv_backward_naive", [PartResult("dx", 2, 4), PartResult("dw", 4, 4), PartResult("db", 4, 4)])
>>> apply(f, Weights())
>>> f.points, f.max_points
(7.5, 10.0)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from derivations._validate import GradproofError
from .interfaces import spec_named

STRICT = " (non-divisible sizes)"   # the name suffix of a function's --strict check
POINT_DECIMALS = 2   # what a gradebook shows; totals are sums of the rounded parts, so the parts add up


@dataclass(frozen=True)
class Weights:
    """``functions``: points per function (default ``per_function``); ``parts``: {function: {part: points}};
    ``strict``: points of each function's --strict check (cases whose output size does not divide evenly)."""

    per_function: float = 10.0
    strict: float = 2.5
    functions: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("per_function", "strict"):
            _points(name, getattr(self, name))

    @classmethod
    def from_json(cls, text: str) -> "Weights":
        """Weights from JSON such as ``{"per_function": 10, "functions": {...}, "parts": {"f": {"dx": 6}}}``.

        >>> Weights.from_json('{"functions": {"rot180": 2}}').functions
        {'rot180': 2}
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GradproofError(f"weights must be JSON: {exc}") from None
        if not isinstance(data, dict):
            raise GradproofError(f"weights must be a JSON object, got {text[:80]!r}")
        unknown = set(data) - {"per_function", "functions", "parts", "strict"}
        if unknown:
            raise GradproofError(f"weights keys must be per_function, functions, parts, strict; got {sorted(unknown)!r}")
        return cls(**data)

    def check(self, interface) -> "Weights":
        """Refuse names the interface does not have, parts left out, and points that are not numbers >= 0.

        A typo must not be ignored (an unknown function) or cost other parts their points (an unknown part).

        >>> from .interfaces import get_interface
        >>> Weights(parts={"conv_backward_naive": {"dx": 6, "dW": 4}}).check(get_interface("cs231n"))
        Traceback (most recent call last):
        ...
        derivations._validate.GradproofError: weights for conv_backward_naive: unknown part 'dW'; missing parts 'dw', 'db' (its parts: dx, dw, db)
        """
        specs = {f.name: f for f in interface.functions}
        valid = ", ".join(specs)
        for key in ("functions", "parts"):
            if not isinstance(getattr(self, key), dict):
                raise GradproofError(f"weights: {key} must be an object of function names, got {getattr(self, key)!r}")
            unknown = [n for n in getattr(self, key) if n not in specs]
            if unknown:
                raise GradproofError(f"weights: unknown function{'s' * (len(unknown) > 1)} in {key}: "
                                 f"{', '.join(map(repr, unknown))} (the {interface.name} interface has: {valid})")
        both = sorted(set(self.functions) & set(self.parts))
        if both:
            raise GradproofError(f"weights: {', '.join(both)} in both functions and parts; give each function once")
        points = [("per_function", self.per_function)] + list(self.functions.items())
        for name, table in self.parts.items():
            parts = specs[name].parts
            if not isinstance(table, dict):
                raise GradproofError(f"weights for {name}: give its parts' points as an object with keys {', '.join(parts)}")
            unknown, missing = [p for p in table if p not in parts], [p for p in parts if p not in table]
            words = [f"{what} part{'s' * (len(ps) > 1)} {', '.join(map(repr, ps))}"
                     for what, ps in (("unknown", unknown), ("missing", missing)) if ps]
            if words:
                raise GradproofError(f"weights for {name}: {'; '.join(words)} (its parts: {', '.join(parts)})")
            points += [(f"{name}.{p}", v) for p, v in table.items()]
        for name, v in points:
            _points(f"weights: {name}", v)
        return self

    def for_parts(self, function: str, parts: tuple[str, ...]) -> dict[str, float]:
        """Points of each part of ``function``: explicit parts, else its default split (``FunctionSpec.split``)
        scaled to its total."""
        if function in self.parts:
            return {p: float(self.parts[function].get(p, 0.0)) for p in parts}
        total = float(self.functions.get(function, self.strict if function.endswith(STRICT) else self.per_function))
        spec = spec_named(function.removesuffix(STRICT))
        shares = spec.split if spec is not None and spec.split and spec.parts == tuple(parts) else (1.0,) * len(parts)
        split = dict(zip(parts, shares))
        norm = sum(split.values())
        return {p: total * split[p] / norm for p in parts}


def _points(name: str, v) -> None:
    """GradproofError unless ``v`` is a finite number of points >= 0 (not a bool, not a string)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0 or v == float("inf"):
        raise GradproofError(f"{name} must be a number of points >= 0, got {v!r}")


def apply(result, weights: Weights) -> None:
    """Fill in points and max points of every part of a FunctionResult (partial credit by fraction)."""
    table = weights.for_parts(result.name, tuple(p.part for p in result.parts))
    for p in result.parts:
        p.max_points = table[p.part]
        p.points = round(p.max_points * p.fraction, POINT_DECIMALS)
