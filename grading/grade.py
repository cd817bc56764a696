"""Grade one submission: every function of the interface in its own child, judged and scored here.

Per function: run the battery; on failure, for a backward whose forward is wrong, compare it with
finite differences of the student's own forward on a tiny case (a right backward for a wrong forward
keeps its credit); name the mistake (``diagnose``); shrink to the smallest failing case (``shrink``).
A crash, timeout or missing function costs only that function. What decides a grade besides the
submission is one record, ``GradeSettings``; ``grade`` takes it, ``grade_submission`` builds it.

>>> GradeSettings(seed=3).sandbox.limits.timeout_s
10.0
"""
from __future__ import annotations

import os
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, replace

from derivations._validate import GradproofError, whole
from .configs import SHAPES_SEED
from .consistency import own_forward_check
from .diagnose import diagnose, output_size
from .interfaces import get_interface, suggest_interface
from .results import FunctionResult, PartResult, SubmissionResult, not_graded
from .runner import prepare, run_battery
from .sandbox import BLOCKED, Limits, Sandbox
from .score import STRICT, Weights, apply
from .shrink import shrink
from .submission import Submission, load_submission

SUBMISSION_TIMEOUT_S = 120.0   # the whole submission; each child also has Limits.timeout_s


@dataclass(frozen=True)
class GradeSettings:
    """Everything besides the submission that decides its grade (and the key a logged grade is reused by).

    ``seed`` draws the battery's input values (its shapes are fixed): None draws a fresh secret one for
    each submission, recorded in the result. ``fd_credit``: a backward keeps its credit where it is the
    exact gradient of a wrong forward (``consistency``). ``strict``: also grade each function on the cases
    outside the interface's contract (output sizes that do not divide evenly), weighted on its own.
    """

    interface: str = "cs231n"
    sandbox: Sandbox = Sandbox()
    weights: Weights = Weights()
    seed: int | None = None
    fd_credit: bool = False
    strict: bool = False
    submission_timeout_s: float = SUBMISSION_TIMEOUT_S

    def __post_init__(self):
        get_interface(self.interface)
        if self.seed is not None:   # numpy's generators refuse a negative one: every case would be skipped
            whole("seed", self.seed, low=0)
        if not self.submission_timeout_s > 0:
            raise GradproofError(f"submission_timeout_s must be > 0, got {self.submission_timeout_s!r}")


def _ungraded(spec, extra: bool, why: str) -> FunctionResult:
    """A function that could not be judged: every part 0 (``apply`` sets the real maxima), ``why`` shown."""
    return FunctionResult(spec.name + STRICT * extra, [PartResult(p, 0, 1, [why]) for p in spec.parts], error=why)


def _words(case, verdict) -> str:
    label = f"{case.cfg.label}: " if case.cfg.label else ""
    return f"{label}{case.cfg.describe()}: {verdict.message}"


def grade_function(spec, iface, sub: Submission, settings: GradeSettings, *, forward_failed: set,
                   strict: bool = False) -> FunctionResult:
    """Run, judge, explain and shrink one student function (``strict``: on the cases outside the
    interface's contract, as a check of its own named ``<function> (non-divisible sizes)``).
    ``settings.seed`` must be drawn already (``grade`` does).

    A failure of the grader's own code while judging (a bug, or data from the child that judging did not
    foresee) costs this function only: it scores 0 and says "grader error", and the others are graded.
    """
    try:
        res = _grade_function(spec, iface, sub, settings, forward_failed=forward_failed, strict=strict)
    except Exception as exc:  # noqa: BLE001 - see the docstring: one function, not the whole submission
        why = f"grader error while judging {spec.name} ({type(exc).__name__}: {exc}): please report it to your instructor"
        res = FunctionResult(spec.name, [PartResult(p, 0, 1, [why]) for p in spec.parts], error=why)
    if strict:
        res.name += STRICT
    return res


def _grade_function(spec, iface, sub: Submission, settings: GradeSettings, *, forward_failed: set,
                    strict: bool) -> FunctionResult:
    start, box, seed = time.monotonic(), settings.sandbox, settings.seed
    cases = prepare(spec, spec.battery(SHAPES_SEED, strict=strict), seed)
    run = run_battery(spec, sub, cases, box)
    parts = []
    for j, name in enumerate(spec.parts):
        bad = [c for c in cases if not c.verdicts[j].ok]
        parts.append(PartResult(name, len(cases) - len(bad), len(cases),
                                [_words(c, c.verdicts[j]) for c in bad[:3]]))
    result = FunctionResult(spec.name, parts, error=run.fatal, output=run.output)
    failing = [(j, c) for j, p in enumerate(parts) for c in cases if not c.verdicts[j].ok]
    if failing and run.fatal is None and spec.forward and spec.forward in forward_failed and not strict:
        own_forward_check(spec, iface, sub, box, cases, parts, credit=settings.fd_credit)
    seen, hits, looked = set(), Counter(), Counter()
    # a few failing cases of every part: dx failing everywhere must not hide what dw's failures say
    for j, c in [(j, c) for j in range(len(parts)) for c in [c for jj, c in failing if jj == j][:4]]:
        if c.verdicts[j].kind in ("values", "shape") and not parts[j].fd_credit:
            looked[j] += 1
            for d in diagnose(spec.name, spec.parts[j], c.cfg, c.inputs, c.actual[j]):
                hits[d.key] += 1
                if d.key not in seen:
                    seen.add(d.key)
                    result.diagnoses.append(d)
    size = output_size(spec.name, cases)   # over all cases, so it agrees with the table of failures
    if size is not None and (not result.diagnoses or "off_by_one" in seen):
        # off by one on every wrong-shaped case explains every failure: a mistake that matched only some of
        # them did so by coincidence (stride taken as the kernel size can give the same small output)
        result.diagnoses = [d for d in result.diagnoses if d.key != "off_by_one" and
                            (size.key != "off_by_one" or hits[d.key] == looked[0])] + [size]
    real = [(j, c) for j, c in failing if not parts[j].fd_credit and c.verdicts[j].kind != "missing"]
    if real and run.fatal is None:
        j, c = min(real, key=lambda jc: jc[1].cfg.size)
        result.repro = shrink(spec, sub, c, j, box, seed + 1)
    result.seconds = time.monotonic() - start
    return result


def grade_submission(path, interface: str = "cs231n", *, limits: Limits = Limits(), weights: Weights = Weights(),
                     seed: int | None = None, blocked=BLOCKED, submission_timeout_s: float = SUBMISSION_TIMEOUT_S,
                     fd_credit: bool = False, strict: bool = False) -> SubmissionResult:
    """Grade every function of ``interface`` in the submission at ``path`` (a .py file or a folder):
    ``grade`` with the ``GradeSettings`` these keywords make (see there; ``limits`` and ``blocked`` make
    its ``Sandbox``)."""
    return grade(path, GradeSettings(interface, Sandbox(limits, blocked), weights, seed, fd_credit, strict,
                                     submission_timeout_s))


def grade(path, settings: GradeSettings) -> SubmissionResult:
    """Grade every function of ``settings.interface`` in the submission at ``path``; a submission that
    cannot be read is "not graded" with the reason, never an exception."""
    start = time.monotonic()
    iface = get_interface(settings.interface)
    if settings.seed is None:
        settings = replace(settings, seed=secrets.randbits(48))
    try:
        sub = load_submission(path, settings.interface)
    except (OSError, ValueError) as exc:
        return not_graded(str(path), settings.interface, f"not graded: {exc}", settings.weights)
    other = suggest_interface(sub.files, settings.interface)
    results, forward_failed = [], set()
    checks = [(spec, False) for spec in iface.functions] + [(s, True) for s in iface.functions
                                                            if settings.strict and s.divisible]
    for spec, extra in checks:
        if time.monotonic() - start > settings.submission_timeout_s:
            res = _ungraded(spec, extra, f"not graded: the submission used up its {settings.submission_timeout_s:g} s")
        else:
            try:
                res = grade_function(spec, iface, sub, settings, forward_failed=forward_failed, strict=extra)
            except Exception as exc:  # noqa: BLE001 - a fault in judging costs this function, named as the grader's
                why = f"not graded: grader error while judging {spec.name}: {type(exc).__name__}: {str(exc)[:300]}"
                res = _ungraded(spec, extra, why)
        if not res.passed and not extra:
            forward_failed.add(spec.name)
        if other:
            res.error = (f"{res.error}\n" if res.error else "") + (
                f"this file defines the {other} interface's functions, not the {settings.interface} ones: "
                f"grade it with --interface {other}")
        apply(res, settings.weights)
        results.append(res)
    for res in results:
        res.error = _sibling_hint(path, res.error)
        for part in res.parts:
            part.messages = [_sibling_hint(path, m) for m in part.messages]
    return SubmissionResult(str(path), settings.interface, results, seconds=round(time.monotonic() - start, 3),
                            seed=settings.seed)


def _sibling_hint(path, text):
    """A module missing in a one-file submission that lies beside the file is not a package to stub: the
    files are one submission, graded together as a folder with --single (a batch grades each file alone)."""
    m = re.search(r"No module named '(\w+)", text or "")
    folder = os.path.dirname(os.fspath(path)) or "."
    if not m or not os.fspath(path).endswith(".py") or not (
            os.path.isfile(os.path.join(folder, m.group(1) + ".py")) or os.path.isdir(os.path.join(folder, m.group(1)))):
        return text
    return (text.split(" (the package ")[0] + f" ({m.group(1)} lies beside this file: files that import each other "
            f"are one submission, graded together with: gradproof grade --single {folder})")
