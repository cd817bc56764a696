"""The tie and kink policy as exact functions (derivations.ties): each verdict named, each boundary tested."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.activation_ops import relu_backward
from checker.pool_ops import maxpool_backward
from derivations.ties import classify_max_routing, classify_relu_kink, worst


@pytest.mark.parametrize("window, weights, verdict, mistake", [
    ([1, 5, 3], [0, 1, 0], "convention", None),                 # no tie: the one maximum
    ([5, 5, 3], [1, 0, 0], "convention", None),                 # first argmax, numpy order
    ([5, 5, 3], [0, 1, 0], "subgradient", None),                # the other one-hot route
    ([5, 5, 3], ["1/2", "1/2", 0], "subgradient", None),        # SymPy's Heaviside at a two-way tie
    ([5, 5, 5], ["1/2", "1/2", "1/2"], "not_subgradient", None),  # Heaviside from three tied entries on
    ([5, 5, 5], ["1/3", "1/3", "1/3"], "subgradient", None),    # exact thirds sum to 1
    ([5, 5, 3], [1, 1, 0], "not_subgradient", "every_tie_gets_all"),
    ([5, 5, 3], [2, -1, 0], "not_subgradient", None),           # sums to 1, a negative weight
    ([5, 5, 3], ["1/2", 0, "1/2"], "not_subgradient", None),    # weight on a cell that is not a maximum
    ([5, 4, 3], [0, 0, 0], "not_subgradient", None),            # the gradient lost
    ([5, 4, 3], [2, 0, 0], "not_subgradient", None),            # scaled
    ([0.1, 0.1], [0.5, 0.5], "subgradient", None),              # floats read exactly (both 0.1 are the same)
])
def test_max_routing_verdicts(window, weights, verdict, mistake):
    assert classify_max_routing(window, weights) == (verdict, mistake)


def test_float_weights_are_exact_so_point_one_and_point_two_are_not_a_split_of_point_three():
    # 0.1 + 0.2 != 0.3 in binary: a routing that loses that much is not accepted by rounding
    assert classify_max_routing([1, 1, 1], [0.1, 0.2, 0.7]).verdict == "not_subgradient"
    assert classify_max_routing([1, 1, 1], [Fraction(1, 10), Fraction(2, 10), Fraction(7, 10)]).verdict == "subgradient"


@given(st.lists(st.integers(-3, 3), min_size=1, max_size=9), st.data())
def test_any_convex_split_over_the_maxima_is_valid(window, data):
    top = max(window)
    tied = [i for i, v in enumerate(window) if v == top]
    raw = data.draw(st.lists(st.integers(0, 5), min_size=len(tied), max_size=len(tied)).filter(lambda r: sum(r) > 0))
    weights = [Fraction(0)] * len(window)
    for i, r in zip(tied, raw):
        weights[i] = Fraction(r, sum(raw))
    verdict = classify_max_routing(window, weights).verdict
    first = weights[tied[0]] == 1
    assert verdict == ("convention" if first else "subgradient")


def test_heaviside_halves_are_valid_exactly_at_two_way_ties():
    for k in range(1, 6):
        window = [9] * k + [0]
        weights = ["1/2"] * k + [0]
        want = "subgradient" if k == 2 else "not_subgradient"  # k = 1: 1/2 loses half the gradient
        assert classify_max_routing(window, weights).verdict == want, k


@pytest.mark.parametrize("z, t, verdict", [
    (0, 0, "convention"), (0, "1/2", "subgradient"), (0, 1, "subgradient"), (0, "3/2", "not_subgradient"),
    (0, -1, "not_subgradient"), (2, 1, "convention"), (2, 0, "not_subgradient"), (-2, 0, "convention"),
    (-2, "1/2", "not_subgradient"),
])
def test_relu_kink_verdicts(z, t, verdict):
    assert classify_relu_kink(z, t).verdict == verdict


def test_worst_and_argument_errors():
    assert worst([]) == "convention"
    assert worst(["subgradient", "not_subgradient"]) == "not_subgradient"
    with pytest.raises(ValueError, match="window and weights must be non-empty and of one length, got 2 and 1"):
        classify_max_routing([1, 2], [1])
    with pytest.raises(ValueError, match=r"weights must hold exact real numbers, got 'x'"):
        classify_max_routing([1], ["x"])
    with pytest.raises(ValueError, match=r"z must hold exact real numbers"):
        classify_relu_kink(float("nan"), 0)


@given(st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_the_checkers_max_pool_backward_is_our_convention_window_by_window(cells):
    # small integers make ties frequent (zeros after a ReLU); one 2x2 window, upstream gradient 1
    x = np.array(cells, dtype=float).reshape(2, 2)
    dx = maxpool_backward(np.ones((1, 1)), x, 2, 2, stride=2)
    assert classify_max_routing(cells, dx.ravel().tolist()).verdict == "convention"


def test_the_checkers_relu_backward_is_our_convention_at_the_kink():
    z = np.array([-1.0, 0.0, 2.0])
    t = relu_backward(np.ones(3), z)
    assert [classify_relu_kink(a, b).verdict for a, b in zip(z.tolist(), t.tolist())] == ["convention"] * 3
