"""The data a grading run returns: per part, per function, per submission. Rendered elsewhere.

>>> p = PartResult("dx", passed=3, total=4)
>>> p.fraction
0.75
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class PartResult:
    """One graded return value (out, dx, dw, db) over the whole battery."""

    part: str
    passed: int
    total: int
    messages: list[str] = field(default_factory=list)   # the first failures, in words
    note: str = ""                                       # e.g. credit kept by finite differences
    fd_credit: bool = False
    points: float = 0.0
    max_points: float = 0.0

    @property
    def fraction(self) -> float:
        """Share of credit earned: full when finite differences vouch for it, else cases passed."""
        if self.fd_credit:
            return 1.0
        return self.passed / self.total if self.total else 0.0


@dataclass
class FunctionResult:
    """One student function: its parts, the mistakes recognised, the smallest failing case, its output."""

    name: str
    parts: list[PartResult]
    error: str | None = None
    diagnoses: list = field(default_factory=list)      # Diagnosis objects
    repro: object | None = None                        # shrink.Repro
    output: str = ""
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.parts)

    @property
    def passed(self) -> bool:
        return all(p.passed == p.total or p.fd_credit for p in self.parts)


@dataclass
class SubmissionResult:
    """Everything about one submission; ``to_dict`` is the JSON form used by reports and the batch log."""

    submission: str
    interface: str
    functions: list[FunctionResult]
    seconds: float = 0.0
    status: str = "graded"      # graded, or what stopped the grader from grading it

    @property
    def score(self) -> float:
        return round(sum(f.points for f in self.functions), 4)

    @property
    def max_score(self) -> float:
        return round(sum(f.max_points for f in self.functions), 4)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"], d["max_score"] = self.score, self.max_score
        for f, fd in zip(self.functions, d["functions"]):
            fd["points"], fd["max_points"] = round(f.points, 4), f.max_points
        return d


def not_graded(submission: str, interface: str, why: str, weights) -> SubmissionResult:
    """A submission the grader could not grade: every part failed with its real maximum and 0 points.

    The maximum stays what the part is worth so that every output (text, JSON, Gradescope, JUnit) shows
    a failure: a part worth 0 of 0 would read as passed.
    """
    from .interfaces import get_interface
    from .score import apply

    funcs = [FunctionResult(s.name, [PartResult(p, 0, 1, [why]) for p in s.parts], error=why)
             for s in get_interface(interface).functions]
    for f in funcs:
        apply(f, weights)
    return SubmissionResult(str(submission), interface, funcs, status=why)
