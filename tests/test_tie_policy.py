"""One tie policy, three judges: derivations.ties, checker.check_backward and the grader agree on every case.

The same max-pool inputs with ties (small integers, so windows tie often and a finite-difference step never
crosses from one maximum to another) and the same candidate backwards go to the exact classifier, to the
finite-difference checker and to the grader's judge; each must call the same routings right and wrong.
"""
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from checker import check_backward
from derivations.ties import classify_max_routing, classify_relu_kink
from grading.compare import check_pool_ties

K = 2  # 2x2 windows, stride 2: four windows on a 4x4 input, none overlapping (the grader's tie cases)


def _forward(x):
    return x.reshape(2, K, 2, K).max(axis=(1, 3))


def _route(x, dout, weights):
    """dx from per-window weights (row-major over each window's cells): dx[window] = dout * weights."""
    dx = np.zeros_like(x)
    for (i, j), w in weights.items():
        dx[i * K:(i + 1) * K, j * K:(j + 1) * K] = dout[i, j] * np.array(w, dtype=float).reshape(K, K)
    return dx


def _first_argmax(x, dout):
    """The reference route the grader compares with first: each window's gradient to its first maximum."""
    return _route(x, dout, {(i, j): np.eye(K * K)[np.argmax(x[i * K:(i + 1) * K, j * K:(j + 1) * K])]
                            for i in range(2) for j in range(2)})


@st.composite
def routings(draw):
    """x with ties, dout without zeros, and per window a routing of one of the kinds students write."""
    x = np.array(draw(st.lists(st.integers(0, 2), min_size=16, max_size=16)), dtype=float).reshape(4, 4)
    dout = np.array(draw(st.lists(st.sampled_from([-2.0, -1.0, 1.0, 3.0]), min_size=4, max_size=4))).reshape(2, 2)
    weights = {}
    for i in range(2):
        for j in range(2):
            win = x[i * K:(i + 1) * K, j * K:(j + 1) * K].ravel()
            top = [n for n in range(K * K) if win[n] == win.max()]
            kind = draw(st.sampled_from(["first", "last", "split", "all", "negative", "off_max"]))
            w = [Fraction(0)] * (K * K)
            if kind == "first":
                w[top[0]] = Fraction(1)
            elif kind == "last":
                w[top[-1]] = Fraction(1)
            elif kind == "split":  # quarters summing to 1 over the tied maxima: exact in binary floats
                cuts = sorted(draw(st.lists(st.integers(0, 4), min_size=len(top) - 1, max_size=len(top) - 1)))
                for n, q in zip(top, np.diff([0, *cuts, 4])):
                    w[n] = Fraction(int(q), 4)
            elif kind == "all":  # (win == win.max()) * dout
                for n in top:
                    w[n] = Fraction(1)
            elif kind == "negative":  # sums to 1, but a share against the gradient
                w[top[0]] = Fraction(2)
                w[top[-1]] -= Fraction(1)
            else:  # a share on a cell that is not a maximum (or on the one maximum twice)
                w[top[0]] = Fraction(1, 2)
                w[(top[0] + 1) % (K * K)] += Fraction(1, 2)
            weights[(i, j)] = w
    return x, dout, weights


@given(routings())
def test_derivations_checker_and_grader_give_one_verdict_on_max_pool_ties(case):
    x, dout, weights = case
    exact = [classify_max_routing(x[i * K:(i + 1) * K, j * K:(j + 1) * K].ravel().tolist(), w).verdict
             for (i, j), w in weights.items()]
    right = "not_subgradient" not in exact
    dx = _route(x, dout, weights)
    checked = check_backward(_forward, lambda g, x_: (dx,), {"x": x}, dout=dout)
    graded = check_pool_ties(dx, _first_argmax(x, dout), x, dout, K, K, K)
    assert (checked.ok, graded.ok) == (right, right), (exact, checked.summary(), graded)


def test_the_mask_mistake_is_refused_by_all_three_on_a_relu_window_of_zeros():
    x, dout = np.zeros((4, 4)), np.ones((2, 2))
    mask = {(i, j): [1, 1, 1, 1] for i in range(2) for j in range(2)}
    assert classify_max_routing([0, 0, 0, 0], [1, 1, 1, 1]).mistake == "every_tie_gets_all"
    dx = _route(x, dout, mask)
    assert not check_backward(_forward, lambda g, x_: (dx,), {"x": x}, dout=dout).ok
    assert not check_pool_ties(dx, _first_argmax(x, dout), x, dout, K, K, K).ok


@given(st.sampled_from([Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1), Fraction(2), Fraction(-1, 2)]))
def test_derivations_and_checker_agree_on_the_relu_kink(t):
    x = np.array([[0.0, 1.5], [-2.0, 0.0]])   # two entries at the kink, two away from it
    dout = np.array([[1.0, -2.0], [3.0, -1.0]])
    kink = x == 0
    dx = np.where(kink, float(t), (x > 0).astype(float)) * dout
    right = classify_relu_kink(0, t).verdict != "not_subgradient"
    assert check_backward(lambda a: np.maximum(a, 0.0), lambda g, a: (dx,), {"x": x}, dout=dout).ok == right
