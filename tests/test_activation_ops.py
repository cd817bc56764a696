"""checker.activation_ops: golden values, the kink convention, and torch autograd when installed."""
import numpy as np
import pytest

from checker.activation_ops import relu, relu_backward, sigmoid, sigmoid_backward

EPS = float(np.finfo(np.float64).eps)


def test_activations_golden_and_kink():
    assert sigmoid(np.array([0.0]))[0] == 0.5
    assert np.all(np.isfinite(sigmoid(np.array([-800.0, 800.0]))))  # no overflow warning turned into inf/nan
    assert relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 0.0, 1.0]
    a = sigmoid(np.array([1.5]))
    # derivative of sigmoid by central differences; truncation h^2 f'''/6 ~ 1e-11, round-off eps/h ~ 2e-11
    h = 1e-5
    fd = (sigmoid(np.array([1.5 + h])) - sigmoid(np.array([1.5 - h]))) / (2 * h)
    assert abs(sigmoid_backward(np.ones(1), a)[0] - fd[0]) < 1e-9
    assert relu(np.array([-2.0, 3.0])).tolist() == [0.0, 3.0]


def test_activations_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(size=20) * 5, [0.0]])  # includes the kink
    g = rng.normal(size=x.shape)
    for fn, ours in ((torch.sigmoid, lambda: sigmoid_backward(g, sigmoid(x))),
                     (torch.relu, lambda: relu_backward(g, x))):
        t = torch.tensor(x, requires_grad=True)
        fn(t).backward(torch.tensor(g))
        # sigmoid: a(1-a) from two formulas for a, each within a few eps: 8 eps * max|g| is ample
        np.testing.assert_allclose(t.grad.numpy(), ours(), rtol=0, atol=8 * EPS * np.abs(g).max())
