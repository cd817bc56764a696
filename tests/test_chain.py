"""derivations/chain.py: the toolbox's two layer deltas on X -> convn -> sigmoid -> mean pool."""
import numpy as np
import pytest
import sympy

from checker.ops import full_conv2d, rot180, xcorr2d
from checker.activation_ops import sigmoid, sigmoid_backward
from checker.pool_ops import kron_upsample, meanpool_forward
from derivations import derive_layer_deltas

EPS = np.finfo(float).eps


def test_both_deltas_proved_and_the_classic_slips_refuted():
    d = derive_layer_deltas()  # 6x6 input, two 3x3 kernels, sigmoid, 2x2 mean pooling
    assert d.params["conv_shape"] == (4, 4) and d.params["output_shape"] == (2, 2)
    assert [(r.name, r.holds) for r in d.rules] == [("delta_conv_sigmoid_expand", True),
                                                   ("delta_pool_full_conv_rot180", True)]
    assert all(not p.holds for p in d.pitfalls)
    unrot = next(p for p in d.pitfalls if p.name == "delta_pool_unrotated")
    assert unrot.counterexample.grad == "X"


def _numbers(d, seed):
    rng = np.random.default_rng(seed)
    F, (h, w), (zh, zw), (ph, pw) = (d.params[k] for k in ("filters", "input_shape", "conv_shape", "output_shape"))
    kh, kw = d.params["kernel"]
    return rng.normal(size=(h, w)), rng.normal(size=(F, kh, kw)), rng.normal(size=(F, ph, pw))


def _numpy_deltas(x, k, g, s):
    """The toolbox's formulas in numpy: z = convn(x, k, 'valid') = xcorr(x, rot180(k))."""
    z = np.stack([xcorr2d(x, rot180(kf)) for kf in k])
    a = sigmoid(z)
    delta_conv = sigmoid_backward(kron_upsample(g, s), a)  # a .* (1 - a) .* expand(g) / s^2
    delta_pool = sum(full_conv2d(dc, rot180(kf)) for dc, kf in zip(delta_conv, k))  # convn(d, rot180(k), 'full')
    return z, delta_conv, delta_pool


def _flat(arr):
    return list(sympy.flatten(arr.tolist()))


@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_formulas_equal_the_exact_deltas(seed):
    d = derive_layer_deltas()
    x, k, g = _numbers(d, seed)
    z, delta_conv, delta_pool = _numpy_deltas(x, k, g, d.params["scale"])
    sub = {**dict(zip(_flat(d.symbols["Z"]), z.ravel())), **dict(zip(_flat(d.symbols["G"]), g.ravel()))}
    exact_z = np.array([float(e.xreplace(sub)) for e in _flat(d.grads["Z"])]).reshape(delta_conv.shape)
    # exp(-z)/(1+exp(-z))^2 vs a(1-a), times g/4: a few eps relative to |g|/16; 16 eps * max|g| is ample
    np.testing.assert_allclose(exact_z, delta_conv, rtol=0, atol=16 * EPS * np.abs(g).max())
    sub = {**dict(zip(_flat(d.symbols["D"]), delta_conv.ravel())), **dict(zip(_flat(d.symbols["K"]), k.ravel()))}
    exact_x = np.array([float(e.xreplace(sub)) for e in _flat(d.grads["X"])]).reshape(delta_pool.shape)
    # sums of at most F*kh*kw = 18 products: 64 eps * max|D| * max|K| * 18 bounds the reordering error
    bound = 64 * 18 * EPS * np.abs(delta_conv).max() * np.abs(k).max()
    np.testing.assert_allclose(exact_x, delta_pool, rtol=0, atol=bound)


def test_end_to_end_against_torch():
    torch = pytest.importorskip("torch")
    d = derive_layer_deltas()
    s = d.params["scale"]
    x, k, g = _numbers(d, 7)
    z, delta_conv, delta_pool = _numpy_deltas(x, k, g, s)
    tx = torch.tensor(x[None, None], requires_grad=True)
    # convn is true convolution: torch's conv2d (a cross-correlation) with the kernels rotated
    tz = torch.nn.functional.conv2d(tx, torch.tensor(rot180(k)[:, None].copy()))
    tz.retain_grad()
    p = torch.nn.functional.avg_pool2d(torch.sigmoid(tz), s)
    # pooled sigmoids lie in (0, 1); the two sides differ by a few eps of round-off: 1e-15 is ~5 eps
    np.testing.assert_allclose(p.detach().numpy()[0], meanpool_forward(sigmoid(z), s, s, stride=s), rtol=0,
                               atol=1e-15)
    (p * torch.tensor(g[None])).sum().backward()
    # float64 on both sides, different summation order and sigmoid formula: 1e-14 * scale of each delta
    np.testing.assert_allclose(tz.grad.numpy()[0], delta_conv, rtol=0, atol=1e-14 * np.abs(g).max())
    np.testing.assert_allclose(tx.grad.numpy()[0, 0], delta_pool, rtol=0,
                               atol=1e-14 * np.abs(delta_conv).max() * np.abs(k).max() * k.size)


def test_one_filter_other_shapes():
    d = derive_layer_deltas((5, 6), (2, 3), filters=1, scale=2)
    assert d.all_hold and d.grads["X"].shape == (5, 6)


@pytest.mark.parametrize("args, kwargs, word", [
    (((6, 6), (3, 3)), {"filters": 0}, "filters"),
    (((6, 6), (3, 3)), {"scale": 3}, "scale"),
    (((2, 2), (3, 3)), {}, "kernel"),
    (((6,), (3, 3)), {}, "input_shape"),
    (((40, 40), (3, 3)), {"filters": 4}, "filters"),
])
def test_bad_input_names_the_argument(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        derive_layer_deltas(*args, **kwargs)
