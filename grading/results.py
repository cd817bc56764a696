"""The data a grading run returns: per part, per function, per submission. Rendered elsewhere.

>>> p = PartResult("dx", passed=3, total=4)
>>> p.fraction
0.75
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .interfaces import get_interface
from .score import POINT_DECIMALS, apply

MAX_CHARS = 10_000   # any one text in a report: a 20 MB exception message must not become a 461 MB report

# What a terminal, an XML parser or a JSON reader could take for something else: ANSI/VT escape sequences
# (CSI, OSC such as clipboard writes, two-character ESC forms), C0/C1 controls but tab and newline (a
# carriage return can overwrite a line with a fake score), bidirectional overrides, surrogates and the
# two non-characters XML 1.0 forbids.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


@dataclass
class PartResult:
    """One graded return value (out, dx, dw, db) over the whole battery."""

    part: str
    passed: int
    total: int
    messages: list[str] = field(default_factory=list)   # the first failures, in words
    note: str = ""                                       # e.g. credit kept by finite differences
    fd_credit: bool = False
    fd_cases: int = 0                                    # failing cases credited by finite differences
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
    seed: int | None = None     # the seed of the input values (shapes are fixed): --seed reproduces the run

    @property
    def score(self) -> float:
        return round(sum(f.points for f in self.functions), POINT_DECIMALS)

    @property
    def max_score(self) -> float:
        return round(sum(f.max_points for f in self.functions), POINT_DECIMALS)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"], d["max_score"] = self.score, self.max_score
        for f, fd in zip(self.functions, d["functions"]):
            fd["points"], fd["max_points"] = round(f.points, POINT_DECIMALS), f.max_points
        return clean(d)


def clean_text(s: str) -> str:
    """Text safe for every report format: escapes and controls stripped, at most ``MAX_CHARS`` long.

    >>> clean_text("ok\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07 40 / 40\\r\\x00")
    'ok 40 / 40'
    """
    if len(s) > 4 * MAX_CHARS:  # cut before the regular expressions run on megabytes
        s = s[: 4 * MAX_CHARS]
    s = _CONTROLS.sub("", _ESCAPES.sub("", s.replace("\r\n", "\n")))
    return s if len(s) <= MAX_CHARS else s[:MAX_CHARS] + f" [... cut at {MAX_CHARS} characters]"


def clean(obj):
    """A JSON-ready structure with every string cleaned (``clean_text``) and every non-finite float a
    string ('nan', 'inf'): strict JSON readers, JUnit and terminals accept whatever a submission sent.

    >>> clean({"a": ["x\\x07", float("nan")], "b": (1, 2.5)})
    {'a': ['x', 'nan'], 'b': [1, 2.5]}
    """
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, str):
        return clean_text(obj)
    if isinstance(obj, dict):
        return {clean_text(str(k)): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    return clean_text(str(obj))   # numpy scalars and anything else: as the text the reports would show


def not_graded(submission: str, interface: str, why: str, weights) -> SubmissionResult:
    """A submission the grader could not grade: every part failed with its real maximum and 0 points.

    The maximum stays what the part is worth so that every output (text, JSON, Gradescope, JUnit) shows
    a failure: a part worth 0 of 0 would read as passed.
    """
    funcs = [FunctionResult(s.name, [PartResult(p, 0, 1, [why]) for p in s.parts], error=why)
             for s in get_interface(interface).functions]
    for f in funcs:
        apply(f, weights)
    return SubmissionResult(str(submission), interface, funcs, status=why)
