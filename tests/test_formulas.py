"""checker.formulas: the lambdified exact formulas equal the numpy rules on random values."""
import numpy as np
import pytest

from checker.formulas import conv_formula, pool_formula
from checker.ops import conv2d_backward, conv2d_forward
from checker.pool_ops import maxpool_backward, meanpool_backward


@pytest.mark.parametrize("x_shape, w_shape, stride, pad, dilation", [
    ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0, 1),
    ((2, 2, 5, 4), (3, 2, 2, 3), 2, 1, 1),
    ((1, 1, 7, 7), (1, 1, 2, 2), 2, 0, 2),
])
def test_conv_formula_equals_numpy_rules(x_shape, w_shape, stride, pad, dilation):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    p = dict(stride=stride, pad=pad, dilation=dilation)
    fwd, bwd = conv_formula(x_shape, w_shape, **p)
    out = conv2d_forward(x, w, b, **p)
    g = rng.normal(size=out.shape)
    # same sums of <= 2*3*3 products in another order: float64 differences ~1e-15
    np.testing.assert_allclose(fwd(x, w, b), out, atol=1e-12)
    for got, want in zip(bwd(g, x, w, b), conv2d_backward(g, x, w, **p)):
        np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("kind", ["mean", "max"])
def test_pool_formula_equals_numpy_rules(kind):
    rng = np.random.default_rng(1)
    x = rng.permutation(49).reshape(7, 7).astype(float)  # distinct values: no ties
    fwd, bwd = pool_formula(kind, x, (3, 3), stride=2)
    g = rng.normal(size=(3, 3))
    want = (maxpool_backward(g, x, 3, 3, stride=2) if kind == "max"
            else meanpool_backward(g, x.shape, 3, 3, stride=2))
    np.testing.assert_allclose(bwd(g, x), want, atol=1e-12)
    assert fwd(x).shape == (3, 3)
