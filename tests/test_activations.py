"""derivations/activations.py: sigmoid a(1-a), ReLU's kink convention, numpy and torch agree."""
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.activation_ops import relu_backward, sigmoid, sigmoid_backward
from derivations import derive_activation

EPS = np.finfo(float).eps


def test_sigmoid_rule_proved_and_output_reuse_refuted():
    d = derive_activation("sigmoid", (2, 2))
    assert d.rule("sigmoid_a_one_minus_a").holds and d.all_hold
    wrong = d.pitfalls[0]
    assert wrong.name == "sigmoid_of_output" and not wrong.holds
    # the refutation is real, not a failure to simplify: the two sides differ at Z = 0 (1/4 vs ~0.235)
    z = d.symbols["Z"][wrong.counterexample.index]
    G = d.symbols["G"][wrong.counterexample.index]
    at = {z: 0, G: 1}
    assert wrong.counterexample.expected.xreplace(at) == sympy.Rational(1, 4)
    assert abs(float(wrong.counterexample.got.xreplace(at)) - 0.25) > 0.01


def test_relu_kink_is_zero_and_heaviside_differs_there_yet_is_a_subgradient():
    d = derive_activation("relu", (1, 3), values=[-1, 0, 2])
    G13 = sympy.Symbol("G13", real=True)
    grad = next(s for s in d.steps if s.key == "act.values").data["grad"]
    assert grad.tolist() == [[0, 0, G13]]
    heavi = next(p for p in d.pitfalls if p.name == "heaviside_kink")
    assert not heavi.holds and heavi.counterexample.index == (0, 1)
    assert heavi.counterexample.got == sympy.Symbol("G12", real=True) / 2
    assert heavi.tie_verdict == "subgradient"  # 1/2 at Z = 0 lies in [0, 1]
    assert d.all_hold


def test_relu_without_a_zero_value_agrees_with_heaviside():
    d = derive_activation("relu", (2,), values=[-3, 0.5])
    assert all(p.holds for p in d.pitfalls)


@pytest.mark.parametrize("args, kwargs, word", [
    (("tanh", (2, 2)), {}, "kind"),
    (("relu", (2, 2, 2)), {}, "shape"),
    (("relu", (0, 2)), {}, "shape"),
    (("relu", (2, 2)), {"values": [1, 2]}, "values"),
    (("relu", (1, 1)), {"values": ["x"]}, "values"),
])
def test_bad_input_names_the_argument(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        derive_activation(*args, **kwargs)


@settings(max_examples=30)
@given(st.lists(st.floats(-30, 30, allow_nan=False), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_numpy_backward_equals_the_exact_gradient(zs, seed):
    g = np.random.default_rng(seed).normal(size=len(zs))
    for kind, ours in (("sigmoid", lambda z: sigmoid_backward(g, sigmoid(z))), ("relu", lambda z: relu_backward(g, z))):
        d = derive_activation(kind, (len(zs),))
        f = sympy.lambdify([list(d.symbols["Z"]), list(d.symbols["G"])], list(d.grads["Z"]), "math")
        z = np.array(zs)
        # sigmoid: exp(-z)/(1+exp(-z))^2 against a(1-a): both a few eps relative to a(1-a) <= 1/4, so
        # 16 eps * |g| bounds the difference; relu: exactly g or 0 (kink 0 on both sides)
        np.testing.assert_allclose(np.array(f(zs, g.tolist()), dtype=float), ours(z), rtol=0,
                                   atol=16 * EPS * np.abs(g).max())


def test_against_torch():
    torch = pytest.importorskip("torch")
    vals = [-2.0, 0.0, 0.5, 3.0]
    for kind, fn in (("sigmoid", torch.sigmoid), ("relu", torch.relu)):
        d = derive_activation(kind, (4,), values=vals)
        t = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        fn(t).sum().backward()  # G = 1
        ours = np.array([float(e.xreplace({g: 1 for g in d.symbols["G"]}))
                         for e in next(s for s in d.steps if s.key == "act.values").data["grad"]])
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=0, atol=4 * EPS)  # values <= 1/4 or exactly 0/1
