"""Grade one submission: every function of the interface in its own child, judged and scored here.

Per function: run the battery; on failure, for a backward whose forward is wrong, compare it with
finite differences of the student's own forward on a tiny case (a right backward for a wrong forward
keeps its credit); name the mistake (``diagnose``); shrink to the smallest failing case (``shrink``).
A crash, timeout or missing function costs only that function.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from collections import Counter


from .diagnose import diagnose, output_size
from .interfaces import get_interface, suggest_interface
from .results import FunctionResult, PartResult, SubmissionResult, not_graded
from .consistency import own_forward_check
from .runner import prepare, run_cases
from .sandbox import BLOCKED, Limits
from .configs import SHAPES_SEED
from .score import STRICT, Weights, apply
from .shrink import shrink
from .submission import find_module, read_python_files

SUBMISSION_TIMEOUT_S = 120.0   # the whole submission; each child also has Limits.timeout_s


def _ungraded(spec, extra: bool, why: str) -> FunctionResult:
    """A function that could not be judged: every part 0 (``apply`` sets the real maxima), ``why`` shown."""
    return FunctionResult(spec.name + STRICT * extra, [PartResult(p, 0, 1, [why]) for p in spec.parts], error=why)


def load_submission(path, interface: str) -> tuple[dict[str, bytes], str]:
    """The submission's Python files (read as hostile input, ``submission``) and the module holding the
    interface's functions, as a path without ``.py`` (``cs231n/layers``); ValueError says what is wrong."""
    iface = get_interface(interface)
    files = read_python_files(path)
    try:
        module = find_module(files, [f.name for f in iface.functions], iface.module)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return files, module


def _words(case, verdict) -> str:
    label = f"{case.cfg.label}: " if case.cfg.label else ""
    return f"{label}{case.cfg.describe()}: {verdict.message}"


def grade_function(spec, iface, files, module, *, limits: Limits, seed: int, forward_failed: set,
                   blocked=BLOCKED, fd_credit: bool = False, strict: bool = False) -> FunctionResult:
    """Run, judge, explain and shrink one student function (``strict``: on the cases outside the
    interface's contract, as a check of its own named ``<function> (non-divisible sizes)``).

    A failure of the grader's own code while judging (a bug, or data from the child that judging did not
    foresee) costs this function only: it scores 0 and says "grader error", and the others are graded.
    """
    try:
        res = _grade_function(spec, iface, files, module, limits=limits, seed=seed, forward_failed=forward_failed,
                              blocked=blocked, fd_credit=fd_credit, strict=strict)
    except Exception as exc:  # noqa: BLE001 - see the docstring: one function, not the whole submission
        why = f"grader error while judging {spec.name} ({type(exc).__name__}: {exc}): please report it to your instructor"
        res = FunctionResult(spec.name, [PartResult(p, 0, 1, [why]) for p in spec.parts], error=why)
    if strict:
        res.name += STRICT
    return res


def _grade_function(spec, iface, files, module, *, limits: Limits, seed: int, forward_failed: set,
                    blocked=BLOCKED, fd_credit: bool = False, strict: bool = False) -> FunctionResult:
    start = time.monotonic()
    cases = prepare(spec, spec.battery(SHAPES_SEED, strict=strict), seed)
    run = run_cases(spec, files, module, cases, limits, blocked)
    parts = []
    for j, name in enumerate(spec.parts):
        bad = [c for c in cases if not c.verdicts[j].ok]
        parts.append(PartResult(name, len(cases) - len(bad), len(cases),
                                [_words(c, c.verdicts[j]) for c in bad[:3]]))
    result = FunctionResult(spec.name, parts, error=run.fatal, output=run.output)
    failing = [(j, c) for j, p in enumerate(parts) for c in cases if not c.verdicts[j].ok]
    if failing and run.fatal is None and spec.forward and spec.forward in forward_failed and not strict:
        own_forward_check(spec, iface, files, module, cases, parts, limits, blocked, credit=fd_credit)
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
        result.repro = shrink(spec, files, module, c, j, limits, seed + 1, blocked)
    result.seconds = time.monotonic() - start
    return result


def grade_submission(path, interface: str = "cs231n", *, limits: Limits = Limits(), weights: Weights = Weights(),
                     seed: int | None = None, blocked=BLOCKED, submission_timeout_s: float = SUBMISSION_TIMEOUT_S,
                     fd_credit: bool = False, strict: bool = False) -> SubmissionResult:
    """Grade every function of ``interface`` in the submission at ``path`` (a .py file or a folder).

    ``fd_credit=True`` lets a backward keep its credit where it is the exact gradient of a wrong forward
    (see ``consistency``); off by default, since the grade is against the reference. ``strict=True`` adds,
    for an interface whose contract lets students assume output sizes divide evenly (cs231n), a check of
    each function on the cases where they do not, weighted on its own (``Weights.strict``).
    The battery's shapes are fixed; its input values come from ``seed``, drawn afresh and secretly for
    each run when None (answers stored by input are useless), and recorded in the result.
    """
    start = time.monotonic()
    iface = get_interface(interface)
    if seed is not None and seed < 0:   # numpy's generators refuse it: every case would be skipped
        raise ValueError(f"seed must be >= 0, got {seed!r}")
    seed = secrets.randbits(48) if seed is None else seed
    try:
        files, module = load_submission(path, interface)
    except (OSError, ValueError) as exc:
        return not_graded(str(path), interface, f"not graded: {exc}", weights)
    other = suggest_interface(files, interface)
    results, forward_failed = [], set()
    checks = [(spec, False) for spec in iface.functions] + [(s, True) for s in iface.functions if strict and s.divisible]
    for spec, extra in checks:
        if time.monotonic() - start > submission_timeout_s:
            why = f"not graded: the submission used up its {submission_timeout_s:g} s"
            res = _ungraded(spec, extra, why)
        else:
            try:
                res = grade_function(spec, iface, files, module, limits=limits, seed=seed,
                                     forward_failed=forward_failed, blocked=blocked, fd_credit=fd_credit,
                                     strict=extra)
            except Exception as exc:  # noqa: BLE001 - a fault in judging costs this function, named as the grader's
                why = f"not graded: grader error while judging {spec.name}: {type(exc).__name__}: {str(exc)[:300]}"
                res = _ungraded(spec, extra, why)
        if not res.passed and not extra:
            forward_failed.add(spec.name)
        if other:
            res.error = (f"{res.error}\n" if res.error else "") + (
                f"this file defines the {other} interface's functions, not the {interface} ones: "
                f"grade it with --interface {other}")
        apply(res, weights)
        results.append(res)
    for res in results:
        res.error = _sibling_hint(path, res.error)
        for part in res.parts:
            part.messages = [_sibling_hint(path, m) for m in part.messages]
    return SubmissionResult(str(path), interface, results, seconds=round(time.monotonic() - start, 3), seed=seed)


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
