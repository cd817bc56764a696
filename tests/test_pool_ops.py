"""checker/pool_ops.py: golden seed cases, brute-force references, adjointness, torch as an oracle."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from checker.pool_ops import (kron_upsample, maxpool_backward, maxpool_forward, meanpool_backward,
                              meanpool_backward_fullconv, meanpool_forward, pool_out_size)

EPS = np.finfo(float).eps

SEED_WINDOW = np.array([[1, 0, 4], [8, 2, 5], [20, 13, 25]], dtype=float)


def seed_image():
    """The seed's 6x6 image: its first 3x3 window holds 1, 0, 4, 8, 2, 5, 20, 13, 25; the rest distinct."""
    x = np.arange(36, dtype=float).reshape(6, 6) * -1 - 1  # negative, distinct: never beats the window
    x[:3, :3] = SEED_WINDOW
    return x


def test_seed_max_window_gives_25_and_routes_to_that_cell_alone():
    x = seed_image()
    out = maxpool_forward(x, 3, 3, stride=3)
    assert out.shape == (2, 2) and out[0, 0] == 25
    g = np.zeros((2, 2))
    g[0, 0] = 1.0
    dx = maxpool_backward(g, x, 3, 3, stride=3)
    expected = np.zeros((6, 6))
    expected[2, 2] = 1.0
    assert np.array_equal(dx, expected)


def test_ties_route_to_the_first_maximum_in_row_major_order():
    x = np.array([[3.0, 7.0, 7.0], [7.0, 1.0, 7.0]])
    dx = maxpool_backward(np.ones((1, 1)), x, 2, 3, stride=1)
    assert dx.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]  # numpy.argmax: the first of four 7s


def test_out_size_formula():
    assert pool_out_size(28, 2, stride=2) == 14
    assert pool_out_size(26, 2, stride=2) == 13  # the seed's Keras model: 26x26 -> 13x13
    assert pool_out_size(7, 3, stride=2) == 3
    assert pool_out_size(5, 3, stride=2, pad=1) == 3


@pytest.mark.parametrize("kwargs, word", [
    (dict(size=3, window=4, stride=1), "window 4"),
    (dict(size=3, window=2, stride=0), "stride"),
    (dict(size=3, window=2, stride=1, pad=-1), "pad"),
])
def test_bad_geometry_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        pool_out_size(kwargs.pop("size"), kwargs.pop("window"), **kwargs)


def test_dout_of_the_wrong_shape_is_named():
    for call in (lambda: maxpool_backward(np.ones((2, 2)), np.ones((6, 6)), 3, 3, stride=1),
                 lambda: meanpool_backward(np.ones((3, 3)), (6, 6), 3, 3, stride=3),
                 lambda: meanpool_backward_fullconv(np.ones((3, 3)), (6, 6), 3, 3, stride=3)):
        with pytest.raises(ValueError, match="dout"):
            call()


def test_maxpool_pad_at_least_window_is_rejected():
    with pytest.raises(ValueError, match="pad"):
        maxpool_forward(np.ones((3, 3)), 2, 2, stride=1, pad=2)


def test_overlap_accumulates_where_assignment_would_not():
    # 7x7, 3x3 windows, stride 2: cell (2, 2) lies in four windows and holds the largest value.
    x = np.arange(49, dtype=float).reshape(7, 7) / 100
    x[2, 2] = 10
    g = np.arange(1.0, 10.0).reshape(3, 3)
    dx = maxpool_backward(g, x, 3, 3, stride=2)
    assert dx[2, 2] == g[0, 0] + g[0, 1] + g[1, 0] + g[1, 1]
    assert dx.sum() == pytest.approx(g.sum(), abs=0)  # every window's gradient lands somewhere once


def _maxpool_backward_loops(dout, x, k, s, p):
    """Reference: explicit loops over windows, first argmax, '+='."""
    xp = np.pad(x, p, constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            win = xp[i * s:i * s + k, j * s:j * s + k]
            a = int(np.argmax(win))
            dxp[i * s + a // k, j * s + a % k] += dout[i, j]
    return dxp[p:p + x.shape[0], p:p + x.shape[1]]


def _meanpool_backward_loops(dout, shape, k, s, p):
    dxp = np.zeros((shape[0] + 2 * p, shape[1] + 2 * p))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dxp[i * s:i * s + k, j * s:j * s + k] += dout[i, j] / (k * k)
    return dxp[p:p + shape[0], p:p + shape[1]]


geometry = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 4),
                     st.integers(0, 2)).filter(lambda t: t[4] < t[2] and t[2] <= min(t[0], t[1]) + 2 * t[4])


@given(geometry, st.integers(0, 2**32 - 1))
def test_numpy_rules_match_loop_references(geo, seed):
    h, w, k, s, p = geo
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w))
    oh, ow = pool_out_size(h, k, stride=s, pad=p), pool_out_size(w, k, stride=s, pad=p)
    g = rng.normal(size=(oh, ow))
    # Each dX entry is a sum of at most ceil(k/s)^2 <= 16 terms of size <= max|g|; summed in a different
    # order its rounding differs by at most 16 * eps * 16 * max|g|: 1e-12 * max|g| is a safe bound.
    tol = 1e-12 * np.abs(g).max()
    np.testing.assert_allclose(maxpool_backward(g, x, k, k, stride=s, pad=p), _maxpool_backward_loops(g, x, k, s, p),
                               rtol=0, atol=tol)
    ref = _meanpool_backward_loops(g, (h, w), k, s, p)
    np.testing.assert_allclose(meanpool_backward(g, (h, w), k, k, stride=s, pad=p), ref, rtol=0, atol=tol)
    np.testing.assert_allclose(meanpool_backward_fullconv(g, (h, w), k, k, stride=s, pad=p), ref, rtol=0, atol=tol)
    # Mean pooling is linear: its backward must be the exact adjoint, <P x, g> = <x, P^T g>. Both sides are
    # sums of H*W*k^2 products of size <= max|x| max|g|; (H*W*k^2) eps times that bounds the difference.
    lhs = np.sum(meanpool_forward(x, k, k, stride=s, pad=p) * g)
    rhs = np.sum(x * meanpool_backward(g, (h, w), k, k, stride=s, pad=p))
    assert abs(lhs - rhs) <= 4 * h * w * k * k * EPS * np.abs(x).max() * np.abs(g).max()


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_kron_equals_mean_backward_exactly_when_windows_tile(oh, ow, k, extra, seed):
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(2, 3, oh, ow))  # (N, C, H', W'): the last two axes are pooled
    h, w = oh * k + extra % k, ow * k  # H not a multiple of k: the uncovered rows must come out zero
    dx = meanpool_backward(g, (2, 3, h, w), k, k, stride=k)
    assert np.array_equal(kron_upsample(g, k, shape=(h, w)), dx)  # same single division: bit-identical
    assert not dx[..., oh * k:, :].any()


def test_kron_is_wrong_for_overlapping_windows():
    g = np.arange(1.0, 10.0).reshape(3, 3)
    dx = meanpool_backward(g, (7, 7), 3, 3, stride=2)
    up = kron_upsample(g, 3)
    assert up.shape == (9, 9) != dx.shape
    with pytest.raises(ValueError, match="shape"):
        kron_upsample(g, 3, shape=(7, 7))


def test_batched_axes_match_per_slice():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 6))
    g = rng.normal(size=(2, 3, 3, 2))
    dx = maxpool_backward(g, x, 3, 3, stride=2)
    for n in range(2):
        for c in range(3):
            assert np.array_equal(dx[n, c], maxpool_backward(g[n, c], x[n, c], 3, 3, stride=2))


@given(geometry, st.integers(0, 2**32 - 1))
def test_against_torch_autograd(geo, seed):
    torch = pytest.importorskip("torch")
    h, w, k, s, p = geo
    assume(2 * p <= k)  # torch's own limit on padding
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, 2, h, w))  # continuous values: a tie has probability 0; checked below anyway
    oh, ow = pool_out_size(h, k, stride=s, pad=p), pool_out_size(w, k, stride=s, pad=p)
    g = rng.normal(size=(1, 2, oh, ow))
    assert len(np.unique(x)) == x.size
    for fn, ours_f, ours_b in (
        (torch.nn.functional.max_pool2d, maxpool_forward, lambda: maxpool_backward(g, x, k, k, stride=s, pad=p)),
        (torch.nn.functional.avg_pool2d, meanpool_forward,
         lambda: meanpool_backward(g, x.shape, k, k, stride=s, pad=p)),
    ):
        t = torch.tensor(x, requires_grad=True)
        out = fn(t, k, s, p)
        out.backward(torch.tensor(g))
        # Same float64 arithmetic up to summation order: k^2-term sums, eps * k^2 * max|.| bounds it.
        bound = 4 * k * k * EPS * max(np.abs(x).max(), np.abs(g).max())
        np.testing.assert_allclose(out.detach().numpy(), ours_f(x, k, k, stride=s, pad=p), rtol=0, atol=bound)
        np.testing.assert_allclose(t.grad.numpy(), ours_b(), rtol=0, atol=bound)
