r"""Self-check: our own numpy rules against finite differences on hypothesis-drawn cases, as data.

``python cli.py check conv|mean-pool|max-pool|all`` calls :func:`selfcheck` and renders the report.
Each case runs ``check_backward`` in compressed mode (every element localised) and, for the layers that
are linear in an argument (convolution in x, w and b; mean pooling), the exact adjoint test too. The first
``formulas`` cases of each operation also check the derived SymPy formulas themselves (lambdified, see
``checker.formulas``) against finite differences.

>>> rep = selfcheck(["mean-pool"], examples=2, seed=0, formulas=1)
>>> rep.ok, rep.ops[0].cases, rep.ops[0].formula_cases
(True, 2, 1)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from checker.adjoint import adjoint_check
from checker.check import CheckResult, check_backward
from checker.colouring import conv2d_structure, pool2d_structure
from checker.formulas import conv_formula, pool_formula
from checker.ops import conv2d_backward, conv2d_forward
from checker.pool_ops import maxpool_backward, maxpool_forward, meanpool_backward, meanpool_forward
from checker.strategies import conv2d_cases, pool2d_cases, run_examples
from derivations._validate import GradproofError, one_of, whole

OPS = ("conv", "mean-pool", "max-pool")


@dataclass(frozen=True)
class OpReport:
    """How one operation fared over its cases; ``worst`` is the case closest to (or past) its tolerance."""

    op: str
    cases: int
    failed: int
    max_ratio: float  # the largest error / derived tolerance over every element of every case
    adjoint_failed: int
    elements: int  # elements compared in all
    seconds: float
    worst: CheckResult | None
    worst_params: tuple[tuple[str, object], ...] = ()
    formula_cases: int = 0  # cases whose derived SymPy formula was checked too
    formula_failed: int = 0

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.adjoint_failed == 0 and self.formula_failed == 0


@dataclass(frozen=True)
class SelfCheckReport:
    ops: tuple[OpReport, ...]
    examples: int
    seed: int | None

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.ops)


class _Checked(NamedTuple):
    """One case checked: the finite-difference verdict, the adjoint tests, and the case's parameters."""

    result: CheckResult
    adjoints: list
    params: tuple[tuple[str, object], ...]


def _conv_formula(case):
    p = dict(stride=case.stride, pad=case.pad, dilation=case.dilation)
    fwd, bwd = conv_formula(case.x.shape, case.w.shape, **p)
    return check_backward(fwd, bwd, {"x": case.x, "w": case.w, "b": case.b}, dout=case.dout)


def _pool_formula(case):
    # one (H, W) slice: the derivations use the seed's single-channel names
    fwd, bwd = pool_formula(case.kind, case.x[0, 0], (case.pool_h, case.pool_w), stride=case.stride, pad=case.pad)
    return check_backward(fwd, bwd, {"x": case.x[0, 0]}, dout=case.dout[0, 0])


def _conv(case):
    p = dict(stride=case.stride, pad=case.pad, dilation=case.dilation)
    fwd = lambda x, w, b: conv2d_forward(x, w, b, **p)
    bwd = lambda d, x, w, b: conv2d_backward(d, x, w, **p)
    ins = [case.x, case.w, case.b]
    r = check_backward(fwd, bwd, {"x": case.x, "w": case.w, "b": case.b}, dout=case.dout, batched=("x",),
                       structure=conv2d_structure(case.w.shape, **p))
    adj = [adjoint_check(fwd, bwd, ins, arg=i, name=n, dout=case.dout) for i, n in enumerate("xwb")]
    return _Checked(r, adj, (("x", case.x.shape), ("w", case.w.shape), *p.items()))


def _pool(case):
    p = dict(stride=case.stride, pad=case.pad)
    window = (case.pool_h, case.pool_w)
    if case.kind == "max":
        fwd = lambda x: maxpool_forward(x, *window, **p)
        bwd = lambda d, x: maxpool_backward(d, x, *window, **p)
    else:
        fwd = lambda x: meanpool_forward(x, *window, **p)
        bwd = lambda d, x: meanpool_backward(d, x.shape, *window, **p)
    r = check_backward(fwd, bwd, {"x": case.x}, dout=case.dout, batched=("x",),
                       structure=pool2d_structure(*window, **p))
    adj = [adjoint_check(fwd, bwd, [case.x], arg=0, dout=case.dout)] if case.kind == "mean" else []
    return _Checked(r, adj, (("x", case.x.shape), ("window", window), *p.items()))


def selfcheck(ops=OPS, *, examples: int = 20, seed: int | None = 0, formulas: int = 3,
              progress=None) -> SelfCheckReport:
    """Check each of ``ops`` on ``examples`` hypothesis cases; a report, never an exception for a failure.

    ``formulas``: how many of those cases also check the derived formula (lambdified; slow, so few). A case
    beyond the exact-derivation limits (e.g. a max-pool window over 25 cells) is not counted as checked.
    ``progress(op, done, total)``, if given, is called after every case (a renderer's progress bar).
    """
    tick = progress or (lambda op, done, total: None)
    ops = tuple(one_of("op", op, OPS) for op in ops)
    examples, formulas = whole("examples", examples), whole("formulas", formulas, low=0)
    reports = []
    for op in ops:
        if op == "conv":
            strategy = conv2d_cases(max_side=9, strides=(1, 2, 3), pads=(0, 1, 2), dilations=(1, 2))
            one, formula = _conv, _conv_formula
        else:
            kind = "max" if op == "max-pool" else "mean"
            strategy, one, formula = pool2d_cases(kind=kind, max_side=9, pads=(0, 1)), _pool, _pool_formula
        seen: list = []
        cases: list = []
        t0 = time.perf_counter()

        total = examples + formulas

        def record(case):
            seen.append(one(case))
            cases.append(case)
            tick(op, min(len(seen), examples), total)  # shrinking a failure may call more than `examples` times

        run_examples(strategy, record, examples=examples, seed=seed)
        checked = []
        for i, case in enumerate(cases[-examples:][:formulas]):
            try:
                checked.append(formula(case))
            except GradproofError:  # outside the exact-derivation limits: not checked, not counted
                pass
            tick(op, examples + i + 1, total)
        tick(op, total, total)
        rep = _summarise(op, seen[-examples:], time.perf_counter() - t0)
        reports.append(replace(rep, formula_cases=len(checked), formula_failed=sum(not r.ok for r in checked)))
    return SelfCheckReport(tuple(reports), examples, seed)


def _summarise(op, seen: list[_Checked], seconds) -> OpReport:
    def worst_ratio(r):
        return max((float(a.ratio.max()) if a.ratio is not None and a.ratio.size else np.inf) for a in r.args)

    ratios = [worst_ratio(c.result) for c in seen]
    w = int(np.argmax(ratios)) if seen else 0
    return OpReport(
        op=op, cases=len(seen), failed=sum(not c.result.ok for c in seen), max_ratio=max(ratios, default=0.0),
        adjoint_failed=sum(not a.ok for c in seen for a in c.adjoints),
        elements=sum(int(np.prod(a.shape)) for c in seen for a in c.result.args), seconds=seconds,
        worst=seen[w].result if seen else None, worst_params=seen[w].params if seen else ())
