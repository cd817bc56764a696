"""The course notes' CNN as a numpy reference: its untrained loss is ln 10, and SGD lowers it on real digits."""
from __future__ import annotations

import numpy as np
import pytest

from checker import cnn


def _images(n, side, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (n, side, side))


def test_the_notes_shapes_28_to_26x26x8_to_13x13x8_to_10():
    conv, pool, soft = cnn.network()
    a = conv.forward(_images(1, 28)[0])
    b = pool.forward(a)
    assert (a.shape, b.shape, soft.forward(b).shape) == ((26, 26, 8), (13, 13, 8), (10,))
    assert soft.weights.shape == (13 * 13 * 8, 10)


def test_an_untrained_network_starts_at_ln_10():
    """The notes: an untrained network's average loss is 2.302 = ln 10 (every class about 1/10)."""
    net = cnn.network()
    assert abs(cnn.mean_loss(net, _images(20, 28), np.arange(20) % 10) - np.log(10)) < 0.01


def test_training_does_not_touch_what_predict_reads_until_a_step():
    net = cnn.network(side=8)
    x = _images(1, 8)[0]
    p = cnn.predict(net, x)
    assert np.array_equal(cnn.predict(net, x), p)
    cnn.sgd_step(net, x, 3, 0.005)
    assert cnn.predict(net, x)[3] > p[3]  # one step towards the label raises its probability


def test_sgd_on_the_digits_lowers_the_held_out_loss():
    pytest.importorskip("sklearn", reason="the digits extra: pip install 'gradproof[digits]'")
    x, y = cnn.load_digits()
    net = cnn.network(side=8)
    before = cnn.mean_loss(net, x[1500:], y[1500:])
    cnn.train(net, x[:1500], y[:1500], learn_rate=0.01)
    after = cnn.mean_loss(net, x[1500:], y[1500:])
    assert abs(before - np.log(10)) < 0.01
    # one epoch takes the held-out loss far below chance (measured: 2.304 -> 0.957; deterministic: seeded
    # weights, data in order); half of chance leaves room for a different BLAS's rounding
    assert after < 0.5 * before


def test_one_backward_pass_agrees_with_torch_autograd():
    """An independent oracle: the same weights in torch, the loss -ln p[label] differentiated by autograd."""
    torch = pytest.importorskip("torch")
    conv, pool, soft = net = cnn.network(side=10, filters=3, classes=5)
    x = _images(1, 10, seed=4)[0]
    w0, W0, b0 = conv.filters.copy(), soft.weights.copy(), soft.biases.copy()
    lr = 1.0  # the update reveals the gradient: g = (before - after) / lr
    cnn.sgd_step(net, x, 2, lr)
    ours = {"filters": w0 - conv.filters, "weights": W0 - soft.weights, "biases": b0 - soft.biases}

    tx = torch.tensor(x)[None, None]
    tw, tW, tb = (torch.tensor(a, requires_grad=True) for a in (w0, W0, b0))
    a = torch.nn.functional.conv2d(tx, tw[:, None])[0].permute(1, 2, 0)  # (8, 8, 3), the notes' layout
    a = torch.nn.functional.max_pool2d(a.permute(2, 0, 1)[None], 2)[0].permute(1, 2, 0)
    loss = -torch.log_softmax(a.reshape(-1) @ tW + tb, 0)[2]
    loss.backward()
    for name, t in (("filters", tw), ("weights", tW), ("biases", tb)):
        # both are float64 sums of at most a few hundred products: agreement to 1e-12 of the largest entry
        scale = np.abs(t.grad.numpy()).max()
        assert np.allclose(ours[name], t.grad.numpy(), rtol=0, atol=1e-12 * scale), name
