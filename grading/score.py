"""Points per function and per part with configurable weights; partial credit by cases passed.

Default: every function is worth 10 points; a backward with several parts splits them (conv:
dx 5, dw 3, db 2). ``Weights`` takes overrides per function and per part.

>>> from .results import PartResult, FunctionResult
>>> f = FunctionResult("conv_backward_naive", [PartResult("dx", 2, 4), PartResult("dw", 4, 4), PartResult("db", 4, 4)])
>>> apply(f, Weights())
>>> f.points, f.max_points
(7.5, 10.0)
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SPLIT = {("dx", "dw", "db"): {"dx": 5.0, "dw": 3.0, "db": 2.0}}
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
        if self.per_function < 0:
            raise ValueError(f"per_function must be >= 0, got {self.per_function!r}")
        if self.strict < 0:
            raise ValueError(f"strict must be >= 0, got {self.strict!r}")

    @classmethod
    def from_json(cls, text: str) -> "Weights":
        """Weights from JSON such as ``{"per_function": 10, "functions": {...}, "parts": {"f": {"dx": 6}}}``.

        >>> Weights.from_json('{"functions": {"rot180": 2}}').functions
        {'rot180': 2}
        """
        import json

        data = json.loads(text)
        unknown = set(data) - {"per_function", "functions", "parts", "strict"}
        if unknown:
            raise ValueError(f"weights keys must be per_function, functions, parts, strict; got {sorted(unknown)!r}")
        return cls(**data)

    def for_parts(self, function: str, parts: tuple[str, ...]) -> dict[str, float]:
        """Points of each part of ``function``: explicit parts, else the default split scaled to its total."""
        if function in self.parts:
            return {p: float(self.parts[function].get(p, 0.0)) for p in parts}
        total = float(self.functions.get(function, self.strict if function.endswith(STRICT) else self.per_function))
        split = DEFAULT_SPLIT.get(tuple(parts)) or {p: 1.0 for p in parts}
        norm = sum(split.values())
        return {p: total * split[p] / norm for p in parts}


def apply(result, weights: Weights) -> None:
    """Fill in points and max points of every part of a FunctionResult (partial credit by fraction)."""
    table = weights.for_parts(result.name, tuple(p.part for p in result.parts))
    for p in result.parts:
        p.max_points = table[p.part]
        p.points = round(p.max_points * p.fraction, POINT_DECIMALS)
