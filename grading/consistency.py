"""Is a failing backward the gradient of the student's own forward? Finite differences decide, per case.

A backward written right for a forward written wrong fails against the reference on every case its
forward's mistake reaches. The feedback always says so (fix the forward first); with ``credit`` (the
``--fd-credit`` option, off by default) the part also keeps its points, but only if on EVERY case where it
fails it equals the finite-difference gradient of the student's own forward on that same case. A wrong
shape, a wrong dtype, NaN/inf, a crash or an in-place change is never the gradient of anything, and a case
with tied maxima has no gradient to compare with: such failures never earn it.

>>> consistent(np.ones(2), {"x": (np.ones(2), np.zeros(2))}, "x")
True
>>> consistent(np.zeros((0,)), {"x": (np.ones(2), np.zeros(2))}, "x")
False
"""
from __future__ import annotations

import numpy as np

from .compare import tolerance
from .runner import finite_differences
from .sandbox import Sandbox
from .submission import Submission


def consistent(mine, grads, name: str) -> bool:
    """``mine`` equals the finite-difference gradient ``grads[name]`` within grading tolerance plus the
    differences' own error bound; an all-zero gradient never counts (a constant forward and a zero backward
    are consistent and earn nothing)."""
    if grads is None or mine is None:
        return False
    fd, bound = grads[name]
    a = np.asarray(mine)
    if a.dtype.kind != "f" or a.shape != fd.shape or not np.isfinite(a).all():
        return False
    with np.errstate(over="ignore", invalid="ignore"):   # inf or NaN in fd or its bound: not consistent
        tol = tolerance(fd) + bound
        return bool(np.isfinite(tol).all() and np.any(np.abs(fd) > tol) and np.all(np.abs(a.astype(float) - fd) <= tol))


def own_forward_check(spec, iface, sub: Submission, box: Sandbox, cases, parts, *, credit: bool) -> None:
    """Write the note (and, with ``credit``, the credit) on every part consistent with the student's forward
    (``sub``'s forward, run in the sandbox ``box``)."""
    fwd, memo = iface.function(spec.forward), {}

    def grads(case):
        if id(case) not in memo:
            memo[id(case)] = finite_differences(fwd, sub, case, spec.wrt, box)
        return memo[id(case)]

    for j, p in enumerate(parts):
        bad = [c for c in cases if not c.verdicts[j].ok]
        if not bad or any(c.verdicts[j].kind != "values" or c.cfg.ties for c in bad):
            continue
        # without credit one small case is enough for the advice; with it, every failing case must agree
        checked = bad if credit else [min(bad, key=lambda c: c.cfg.size)]
        if not all(consistent(c.actual[j], grads(c), spec.wrt[j]) for c in checked):
            continue
        if credit:
            p.fd_credit, p.fd_cases = True, len(bad)
            p.note = (f"{p.part}: {len(bad)} of {p.total} cases are wrong against the reference but equal the "
                      f"gradient of your own forward on the same case (finite differences), so they keep their "
                      f"credit; fix {spec.forward} first")
        else:
            p.note = (f"{p.part} equals the gradient of your own {spec.forward} (finite differences on "
                      f"{checked[0].cfg.describe()}), and that forward is wrong: fix {spec.forward} first, "
                      f"then check {p.part} again")
