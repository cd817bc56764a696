"""checker.ops: the numpy conv rules against central differences and, when installed, torch autograd."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.ops import conv2d_backward, conv2d_forward, dilate, full_conv2d, out_size, pad2d, rot180, xcorr2d

CONVN_FULL = [[1, 3, 6, 5, 3], [5, 12, 21, 16, 9], [12, 27, 45, 33, 18], [11, 24, 39, 28, 15], [7, 15, 24, 17, 9]]

configs = st.tuples(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),  # N, C, F
    st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 4),  # H, W, HH, WW
    st.integers(1, 3), st.integers(0, 2), st.integers(1, 3),  # stride, pad, dilation
).filter(lambda g: g[9] * (g[5] - 1) + 1 <= g[3] + 2 * g[8] and g[9] * (g[6] - 1) + 1 <= g[4] + 2 * g[8])


def test_seed_full_convolution():
    assert full_conv2d(np.ones((3, 3)), np.arange(1, 10.0).reshape(3, 3)).tolist() == CONVN_FULL


def test_helpers():
    a = np.arange(6.0).reshape(2, 3)
    assert rot180(a).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert dilate(a, 3).shape == (4, 7) and dilate(a, 3)[3, 6] == 5
    assert pad2d(a, 1).shape == (4, 5)
    assert xcorr2d(a, np.ones((2, 2))).tolist() == [[8, 12]]
    assert out_size(6, 3, stride=2) == 2


def _central(loss, a, h=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        fp = loss()
        a[i] = old - h
        fm = loss()
        a[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


@settings(max_examples=25)
@given(configs)
def test_backward_matches_central_differences(g):
    n, c, f, h, w, kh, kw, s, p, d = g
    rng = np.random.default_rng(sum(g))
    x, k, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    dout = rng.normal(size=conv2d_forward(x, k, b, stride=s, pad=p, dilation=d).shape)
    loss = lambda: float((conv2d_forward(x, k, b, stride=s, pad=p, dilation=d) * dout).sum())
    dx, dw, db = conv2d_backward(dout, x, k, stride=s, pad=p, dilation=d)
    # The loss is bilinear, so central differences have no truncation error; what remains is round-off
    # ~ eps * |L| / h with |L| <~ 1e2 here: 2.2e-16 * 1e2 / 1e-6 ~ 2e-8. 1e-6 leaves a 50x margin.
    for got, arr in ((dx, x), (dw, k), (db, b)):
        np.testing.assert_allclose(got, _central(loss, arr), rtol=0, atol=1e-6)


@settings(max_examples=40)
@given(configs)
def test_against_torch_autograd(g):
    torch = pytest.importorskip("torch")
    n, c, f, h, w, kh, kw, s, p, d = g
    rng = np.random.default_rng(sum(g))
    x, k, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out = conv2d_forward(x, k, b, stride=s, pad=p, dilation=d)
    dout = rng.normal(size=out.shape)
    tx, tk, tb = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    tout = torch.nn.functional.conv2d(tx, tk, tb, stride=s, padding=p, dilation=d)
    tout.backward(torch.tensor(dout))
    dx, dw, db = conv2d_backward(dout, x, k, stride=s, pad=p, dilation=d)
    # float64 both sides, sums of at most 3*3*4*4 (forward) or 3*9*9 (dw) products of O(1) normals in
    # different orders: differences are a few hundred eps; 1e-10 is far above that and far below any bug.
    for ours, theirs in ((out, tout), (dx, tx.grad), (dw, tk.grad), (db, tb.grad)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=1e-10)
