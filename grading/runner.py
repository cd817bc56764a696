"""Run a list of cases of one student function in one sandbox child and judge every returned value.

The grader prepares each case (inputs and reference answers) itself, sends only the inputs, and
judges what comes back with ``compare``: a case passes a part only if its array is right and none of
the inputs was changed in place. What runs is a ``Submission`` (its files and module) in a ``Sandbox``
(limits and blocked imports).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .compare import Verdict, check, inplace
from .sandbox import ChildRun, Sandbox, run_function
from .submission import Submission


@dataclass
class CaseOutcome:
    """One case: its configuration, the grader's inputs and references, what came back, the verdicts."""

    cfg: object
    inputs: dict
    refs: tuple
    actual: list = field(default_factory=list)      # per part: array or None
    verdicts: list = field(default_factory=list)    # per part: Verdict

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)


def _names(items) -> list[str]:
    """The input arrays an argument list refers to."""
    out = []
    for it in items:
        if "a" in it:
            out.append(it["a"])
        elif "t" in it:
            out += _names(it["t"])
    return out


def prepare(spec, cases, seed: int, decimals: int | None = None) -> list[CaseOutcome]:
    """Inputs and reference answers for every case the reference accepts (others are skipped).

    ``decimals`` rounds the inputs first (before the reference is computed), so that a reproduction
    printed with that many decimals is exactly the case that was graded.
    """
    out = []
    for i, cfg in enumerate(cases):
        try:
            inputs = spec.inputs(cfg, seed * 1009 + i)
            if decimals is not None:
                inputs = {k: np.round(v, decimals) for k, v in inputs.items()}
            refs = tuple(np.asarray(r, dtype=float) for r in spec.reference(cfg, inputs))
        except (ValueError, IndexError):
            continue  # e.g. a 2-D function on a case whose kernel only fits with padding
        out.append(CaseOutcome(cfg, inputs, refs))
    return out


def run_battery(spec, sub: Submission, cases: list[CaseOutcome], box: Sandbox) -> ChildRun:
    """Call the student's function on every case in one child and fill in actual values and verdicts.

    A case with no references (``refs=()``) gets its actual values and no value verdicts.
    """
    calls, arrays = [], {}
    for i, case in enumerate(cases):
        call = spec.call(case.cfg)
        calls.append(call)
        obj = call.get("obj", {})  # a class-style layer's constructor, weights and methods run first
        items = obj.get("init", []) + list(obj.get("set", {}).values()) + [i for _, its in obj.get("before", []) for i in its]
        for name in set(_names(call["args"]) + _names(call.get("cache_args", [])) + _names(items)):
            arrays[f"{i}.{name}"] = case.inputs[name]
    run = run_function(sub.files, sub.module, spec.name, calls, arrays, box.limits, box.blocked)
    for i, case in enumerate(cases):
        res = run.results.get(i)
        if res is None:
            why = run.errors.get(i) or run.fatal or "no result came back"
            case.actual = [None] * len(spec.parts)
            case.verdicts = [Verdict(False, why, "missing")] * len(spec.parts)
            continue
        case.actual = spec.from_updates(case.inputs, [res.get(f"r{j}") for j in range(len(spec.parts))])
        touched = inplace({n: case.inputs[n] for n in _names(calls[i]["args"])}, res)
        judge = spec.judge or (lambda cfg, inputs, a, r: check(a, r))
        why = run.errors.get(i)  # some return values were no arrays: those parts fail with the child's words
        case.verdicts = [Verdict(False, f"{spec.parts[j]}: {why}", "missing") if a is None and why else
                         touched if not touched.ok else judge(case.cfg, case.inputs, a, r)
                         for j, (a, r) in enumerate(zip(case.actual, case.refs))]
    return run



FD_CHUNK = 256   # perturbed forwards per child in ``finite_differences``


def finite_differences(fwd_spec, sub: Submission, case: CaseOutcome, wrt: tuple[str, ...], box: Sandbox,
                       h: float = 1e-3) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """Gradient of sum(out * dout) of the STUDENT's forward, by central differences computed in the grader,
    with an error bound per element: {name: (gradient, bound)}.

    The child only evaluates the forward on perturbed inputs; the differences are taken here, so a
    submission cannot make up its own "finite differences". None when the forward cannot be evaluated
    or returns anything but a finite float array of dout's shape.
    """
    base, perturbed, where = case.inputs, [], []
    for name in wrt:
        for idx in np.ndindex(base[name].shape):
            for sign in (1, -1):
                p = dict(base)
                p[name] = base[name].copy()
                p[name][idx] += sign * h
                # no references: these forwards are only evaluated, never judged
                perturbed.append(CaseOutcome(case.cfg, p, ()))
            where.append((name, idx))
    # in chunks, each in a child of its own: a large case (2 x 800 forwards) must not run into the
    # per-child time limit on a loaded machine, which would withhold credit for no fault of the student
    for k in range(0, len(perturbed), FD_CHUNK):
        run_battery(fwd_spec, sub, perturbed[k : k + FD_CHUNK], box)
    dout = base["dout"]
    grads = {name: (np.zeros_like(base[name]), np.zeros_like(base[name])) for name in wrt}
    for k, (name, idx) in enumerate(where):
        plus, minus = (np.asarray(perturbed[2 * k + s].actual[0]) for s in (0, 1))
        if any(v.dtype.kind != "f" or v.shape != dout.shape or not np.isfinite(v).all() for v in (plus, minus)):
            return None
        # outputs differenced element by element before the dot with dout, so untouched entries cancel
        # exactly. Bound: each output entry carries a rounding error of a few ulps of its dtype (float32
        # forwards are allowed); 8 eps * (|plus| + |minus|) per entry covers the sums of up to 75 products
        # our battery's forwards accumulate (error ~ sqrt(terms) eps), seen through |dout| and the 2h divisor.
        # The forwards are piecewise linear in the inputs (cases with ties never come here), so central
        # differences carry no truncation error.
        eps = float(np.finfo(np.result_type(plus, minus)).eps)
        with np.errstate(over="ignore", invalid="ignore"):   # a forward of 1e308: an inf bound, no credit
            grads[name][0][idx] = float(np.sum((plus.astype(float) - minus) * dout)) / (2 * h)
            grads[name][1][idx] = 8 * eps * float(np.sum((np.abs(plus) + np.abs(minus)) * np.abs(dout))) / (2 * h)
    return grads
