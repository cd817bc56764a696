"""Ties and kinks are judged by one policy (notes on ties): one-hot and split routing pass, the whole
gradient to every tied maximum fails with its name; ReLU at 0 takes any dout*t with t in [0, 1]."""
import numpy as np
import pytest

from checker import check_backward
from checker.pool_ops import maxpool_backward, maxpool_forward
from checker.ties import groups
from hypothesis import given, settings, strategies as st


def windows(x, k, s):
    n, c, h, w = x.shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    for i in range(ho):
        for j in range(wo):
            yield i, j, (slice(None), slice(None), slice(i * s, i * s + k), slice(j * s, j * s + k))


def routed(kind, k, s):
    """A max-pool backward (window k, stride s) that routes each window's gradient by ``kind``."""
    def bwd(dout, x):
        dx = np.zeros_like(x)
        for i, j, sl in windows(x, k, s):
            win = x[sl]
            top = win == win.max(axis=(2, 3), keepdims=True)
            g = dout[:, :, i:i + 1, j:j + 1]
            if kind == "mask":  # every tied maximum gets the whole gradient
                dx[sl] += top * g
            elif kind == "split":  # equal shares of the gradient among the tied maxima
                dx[sl] += top * g / top.sum(axis=(2, 3), keepdims=True)
            elif kind == "last":  # the last maximum in row-major order: a different one-hot route
                flat = top.reshape(top.shape[:2] + (-1,))
                last = flat.shape[-1] - 1 - np.argmax(flat[..., ::-1], axis=-1)
                one = np.zeros_like(flat, dtype=float)
                np.put_along_axis(one, last[..., None], 1.0, axis=-1)
                dx[sl] += one.reshape(top.shape) * g
        return dx
    return bwd


def relu_out(seed, shape):
    # ReLU outputs of a negative-leaning layer: about 3/4 of the entries exactly 0, so many windows are ties
    return np.maximum(np.random.default_rng(seed).standard_normal(shape) - 0.7, 0.0)


def check(bwd, x, k, s, seed=0):
    return check_backward(lambda x: maxpool_forward(x, k, k, stride=s),
                          (lambda d, x: maxpool_backward(d, x, k, k, stride=s)) if bwd is None else bwd,
                          [x], seed=seed)


@pytest.mark.parametrize("k,s", [(2, 2), (2, 1), (3, 2), (3, 1)])  # disjoint and overlapping windows
@pytest.mark.parametrize("seed", range(3))
def test_first_argmax_split_and_other_one_hot_routes_pass_on_relu_ties(k, s, seed):
    x = relu_out(seed, (2, 2, 6, 6))
    assert check(None, x, k, s, seed).ok
    for kind in ("split", "last"):
        r = check(routed(kind, k, s), x, k, s, seed)
        assert r.ok, (kind, r.summary())


@pytest.mark.parametrize("k,s", [(2, 2), (2, 1), (3, 2), (3, 1)])
@pytest.mark.parametrize("seed", range(3))
def test_the_whole_gradient_to_every_tied_maximum_fails_and_is_named(k, s, seed):
    x = relu_out(seed, (2, 2, 6, 6))
    assert any((x[sl] == x[sl].max(axis=(2, 3), keepdims=True)).sum(axis=(2, 3)).max() > 1
               for _, _, sl in windows(x, k, s))  # the case holds a tie
    r = check(routed("mask", k, s), x, k, s, seed)
    assert not r.ok
    assert "ties-whole" in r["x"].patterns
    assert "every tied maximum got the whole upstream gradient" in r.summary()
    bad = [t for t in r["x"].ties if not t.ok]
    assert bad and all(abs(t.got - t.expected) > t.tol for t in bad)


def test_a_four_way_tie_sums_to_four_times_the_gradient_and_the_summary_says_so():
    x = np.zeros((1, 1, 2, 2))
    dout = np.array([[[[0.5]]]])
    r = check_backward(lambda x: maxpool_forward(x, 2, 2, stride=2), routed("mask", 2, 2), [x], dout=dout)
    (t,) = r["x"].ties
    assert (t.got, round(t.expected, 9), len(t.members)) == (2.0, 0.5, 4) and t.whole
    assert "backward sum 2, numeric 0.5" in r.summary()


def test_without_ties_the_mask_backward_is_right_and_passes():
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6))  # no ties: the mask is one-hot
    assert check(routed("mask", 2, 1), x, 2, 1).ok and not check(None, x, 2, 1)["x"].ties


@pytest.mark.parametrize("t,ok", [(0.0, True), (0.5, True), (1.0, True), (2.0, False), (-0.5, False)])
def test_relu_kink_takes_any_slope_between_its_one_sided_ones(t, ok):
    x = np.array([-1.0, 0.0, 0.0, 2.0, 0.0])
    bwd = lambda d, x: d * np.where(x > 0, 1.0, np.where(x == 0, t, 0.0))
    assert check_backward(lambda x: np.maximum(x, 0), bwd, [x], seed=0).ok is ok


def test_overlapping_ties_with_opposite_upstream_signs_accept_any_valid_route():
    # cell (1, 1) is tied in all four 2x2 stride-1 windows of a 3x3 block of zeros; dout of mixed signs:
    # first-argmax routing gives each cell only some windows' gradients, which a bracket of the loss's own
    # one-sided slopes (one sum over the windows) would reject
    x = np.zeros((1, 1, 3, 3))
    dout = np.array([[[[1.0, -2.0], [-3.0, 0.5]]]])
    f = lambda x: maxpool_forward(x, 2, 2, stride=1)
    for bwd in ((lambda d, x: maxpool_backward(d, x, 2, 2, stride=1)), routed("split", 2, 1), routed("last", 2, 1)):
        assert check_backward(f, bwd, [x], dout=dout).ok
    assert not check_backward(f, routed("mask", 2, 1), [x], dout=dout).ok


def test_groups_are_components_of_kinked_entries_sharing_an_output():
    touch = np.array([[0, 1, 1, 2, 3, 4], [0, 0, 1, 1, 2, 3]])
    kinked = np.array([True, True, True, True, False])
    assert [g.tolist() for g in groups(touch, kinked)] == [[0, 1, 2]]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10 ** 6), k=st.sampled_from([2, 3]), s=st.sampled_from([1, 2]),
       kind=st.sampled_from(["split", "last", "first"]))
def test_valid_routes_never_fail_on_tied_inputs(seed, k, s, kind):
    rng = np.random.default_rng(seed)
    x = np.round(np.maximum(rng.standard_normal((1, 2, 5, 5)), 0), 1)  # ties at 0 and at rounded values
    bwd = None if kind == "first" else routed(kind, k, s)
    assert check(bwd, x, k, s, seed).ok


def test_a_cell_whose_window_jumps_cancel_in_the_loss_is_still_a_kink():
    # cell 3 is tied in windows 2 and 3 (width 3, stride 1) whose upstream gradients nearly cancel: the
    # loss barely bends there, but each window's maximum does, and first-argmax routing gives cell 3
    # window 3's gradient alone (a false failure when the kink was read from the loss only)
    x = np.array([[[[0.052, 0.0024, 0, 0, 0, 0, 0, 0]]]])
    dout = np.array([[[[-0.119, -0.948, 0.8626, -0.8622, 0.602, -0.585]]]])
    f = lambda x: maxpool_forward(x, 1, 3, stride=1)
    assert check_backward(f, lambda d, x: maxpool_backward(d, x, 1, 3, stride=1), [x], dout=dout).ok
    assert check_backward(f, lambda d, x: maxpool_backward(d, x, 1, 3, stride=1), [x], dout=dout, mode="element").ok
    assert not check_backward(f, _mask_1x3, [x], dout=dout).ok


def _mask_1x3(dout, x):
    dx = np.zeros_like(x)
    for j in range(dout.shape[-1]):
        win = x[..., j:j + 3]
        dx[..., j:j + 3] += (win == win.max(axis=-1, keepdims=True)) * dout[..., j:j + 1]
    return dx
