"""Verdicts on one returned array, decided in the grader: shape, dtype, NaN/inf, values, in-place changes.

Why not the checker's engine (``checker.engine``/``verdict``/``ties``): the checker answers "is this
analytic gradient the derivative of this forward?" with finite differences of a black box, so its
tolerance estimates the truncation and round-off of a difference quotient. The grader answers "is the
student's array the reference array?": the reference is computed here in float64 from the same inputs by
the proven rules, no difference quotient is taken, and the only error to allow is the student's own
rounding. The two questions need different tolerances, so the grader keeps its own, derived below.

Tolerance: ``RTOL * max(1, max|expected|)`` with ``RTOL = 1e-4``. What it must accept: the right rule
computed in float32 (allowed; unit round-off u = 2**-24 = 6.0e-8). An entry of the battery sums at most
K = 76 products (a 3x5x5 kernel and the bias), each factor rounded to float32 once more (K + 2 in all);
Higham's bound on the error of such a sum is gamma_(K+2) * sum|terms|, gamma_k = k u / (1 - k u), and
sum|terms| (the reference applied to the inputs' absolute values) is at most 18 times max(1, max|expected|).
Case by case the bound is at most 3.9e-5 of that scale (db of a 3x2x5x5 input: 75 terms summing to 8.6
times the scale); measured in float32, 2.6e-7. What it must reject: every known mistake (``diagnose``);
the smallest that changes an answer at all changes it by 4.9e-3 of the scale (a bias left out where the
biases are small). 1e-4 lies 2.5 times above the worst bound and 49 times below the smallest mistake;
``tests/test_grading_compare.py`` measures both sides on every battery case (three input seeds each).

Ties (``check_pool_ties``): the tie policy is the checker's (``checker.ties``: every valid backward
splits each window's gradient among its tied maxima with non-negative shares that sum to it), but the
grader knows x and the windows, so it tests the split directly and exactly instead of raising tied entries
by a step and differencing; ``tests/test_tie_policy.py`` holds the two judges (and the exact one in
``derivations.ties``) to one verdict.

>>> import numpy as np
>>> check(np.ones((2, 2), np.float32), np.ones((2, 2))).ok
True
>>> check(np.ones((2, 3)), np.ones((2, 2))).message
'shape (2, 3), expected (2, 2)'
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RTOL = 1e-4


@dataclass(frozen=True)
class Verdict:
    """Pass or fail with the sentence that says why, and the worst element when values differ."""

    ok: bool
    message: str = ""
    kind: str = "ok"          # ok, missing, dtype, shape, nonfinite, values, inplace
    worst: tuple | None = None
    expected_value: float | None = None
    actual_value: float | None = None


def tolerance(expected: np.ndarray) -> float:
    return RTOL * max(1.0, float(np.max(np.abs(expected), initial=0.0)))


def close(actual, expected) -> bool:
    """Same shape and equal within the grading tolerance (no verdict text)."""
    a = np.asarray(actual)
    return (a.shape == expected.shape and a.dtype.kind in "fiu"
            and bool(np.all(np.abs(a.astype(float) - expected) <= tolerance(expected))))


def check(actual, expected: np.ndarray) -> Verdict:
    """The verdict on one returned value against the reference.

    Anything can come back (NaN, inf, 1e308, empty, int, str or structured arrays): every branch only
    formats what it has checked exists, so no returned value can make the grader raise.

    >>> check(np.array([np.nan, 1.0]), np.ones(2)).kind
    'nonfinite'
    """
    if actual is None:
        return Verdict(False, "no array was returned", "missing")
    a = np.asarray(actual)
    if a.dtype.kind not in "f":
        return Verdict(False, f"dtype {a.dtype}, expected a floating-point array (float32 or float64)", "dtype")
    if a.shape != expected.shape:
        return Verdict(False, f"shape {a.shape}, expected {expected.shape}", "shape")
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if np.isnan(a[idx]) else "inf"
        return Verdict(False, f"contains {what} (first at {idx})", "nonfinite", worst=idx)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 - (-1e308) is inf: a failure, not a warning
        err = np.abs(a.astype(float) - expected)
    if a.size == 0 or err.max() <= tolerance(expected):
        return Verdict(True)
    idx = tuple(int(i) for i in np.unravel_index(int(err.argmax()), err.shape))
    return Verdict(False, f"wrong values: worst at {idx}, expected {expected[idx]:.6g}, got {a[idx]:.6g} "
                          f"({int((err > tolerance(expected)).sum())} of {a.size} entries off)",
                   "values", worst=idx, expected_value=float(expected[idx]), actual_value=float(a[idx]))


def check_pool_ties(actual, expected: np.ndarray, x: np.ndarray, dout: np.ndarray, pool_h: int, pool_w: int,
                    stride: int) -> Verdict:
    """Max-pool backward on inputs with ties, windows not overlapping (the project's tie policy): right iff
    every window's upstream gradient g goes to its tied maxima only, in shares g * lambda with lambda >= 0
    summing to 1. The first-argmax route (``expected``) is one such split; 1/2, 1/2 is another; the whole
    g to every tied maximum (a window total of k*g) is not.

    >>> x, g = np.zeros((2, 2)), np.array([[4.0]])
    >>> check_pool_ties(np.full((2, 2), 1.0), np.array([[4.0, 0], [0, 0]]), x, g, 2, 2, 2).ok
    True
    >>> check_pool_ties(np.full((2, 2), 4.0), np.array([[4.0, 0], [0, 0]]), x, g, 2, 2, 2).ok
    False
    """
    v = check(actual, expected)
    if v.ok or v.kind != "values":
        return v
    with np.errstate(over="ignore", invalid="ignore"):   # shares of 1e308 sum to inf: wrong, not a warning
        return _split_ok(np.asarray(actual, dtype=float), tolerance(expected), x, dout, pool_h, pool_w, stride) or v


def _split_ok(a, tol, x, dout, pool_h, pool_w, stride) -> Verdict | None:
    """Verdict(True) when every window's gradient is a valid split among its tied maxima, else None."""
    outside = np.ones(a.shape, dtype=bool)          # cells in no window must get nothing
    for idx in np.ndindex(dout.shape[:-2]):
        for i in range(dout.shape[-2]):
            for j in range(dout.shape[-1]):
                rows, cols = slice(i * stride, i * stride + pool_h), slice(j * stride, j * stride + pool_w)
                win, got, g = x[idx][rows, cols], a[idx][rows, cols], float(dout[idx][i, j])
                outside[idx][rows, cols] = False
                top = win == win.max()
                # g = 0: every share is 0 (+t and -t sum to 0 but are no lambda >= 0 split of 0)
                wrong_split = (np.abs(got[top]).max() > tol if g == 0 else
                               (got[top] * np.sign(g)).min() < -tol or abs(float(got[top].sum()) - g) > tol)
                if wrong_split or np.abs(got[~top]).max(initial=0.0) > tol:
                    return None
    if np.abs(a[outside]).max(initial=0.0) > tol:
        return None
    return Verdict(True)


def inplace(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> Verdict:
    """Fail when any input the function received came back changed (or did not come back at all)."""
    for name, orig in before.items():
        got = after.get(f"in.{name}")
        if got is None:
            return Verdict(False, "the result was incomplete (the inputs did not come back)", "missing")
        # a different dtype cannot come from an in-place change (nothing rebinds the caller's array): the
        # frame was made up; it fails like any changed input, and comparing it could raise (structured)
        if got.dtype != orig.dtype or got.shape != orig.shape or not np.array_equal(got, orig):
            return Verdict(False, f"modified its input {name} in place: the caller's array changed "
                                  f"(work on a copy, e.g. {name}.copy())", "inplace")
    return Verdict(True)
