"""derivations/softmax.py: dL/dz = p - onehot proved at the notes' ten classes; the hand-made mistakes refuted."""
import math

import numpy as np
import pytest
import sympy

from derivations._rational import rational_zero
from derivations._validate import GradproofError
from derivations.softmax import derive_softmax_ce


def test_p_minus_onehot_is_the_exact_derivative_at_the_course_notes_size():
    d = derive_softmax_ce(10, label=3)  # Softmax(13*13*8, 10): ten digits
    assert d.rule("p_minus_onehot").holds and d.rule("p_minus_onehot").checked == 10
    assert d.rule("softmax_jacobian").holds and d.rule("softmax_jacobian").checked == 100
    assert d.rule("softmax_jacobian_T_dout").holds and d.all_hold


def test_forgetting_the_minus_one_is_wrong_at_the_label_only():
    d = derive_softmax_ce(4, label=2)
    r = next(p for p in d.pitfalls if p.name == "delta_without_minus_one")
    assert not r.holds and r.counterexample.index == (2,)
    at = {v: 0 for v in d.symbols["z"]}  # equal logits: p = 1/4 each
    assert r.counterexample.expected.xreplace(at) == sympy.Rational(-3, 4)
    assert r.counterexample.got.xreplace(at) == sympy.Rational(1, 4)


def test_diagonal_jacobian_times_the_losss_gradient_is_right_at_the_label_and_zero_elsewhere():
    d = derive_softmax_ce(3, label=1, values=[1, 2, 0])
    r = next(p for p in d.pitfalls if p.name == "diagonal_jacobian_with_ce")
    assert not r.holds and r.counterexample.index == (0,)  # the label's entry (1) agrees, class 0 does not
    assert r.counterexample.got == 0 and r.checked == 1
    # at the label it is right: -(1/p_y) * p_y * (1 - p_y) = p_y - 1, the exact entry
    z, y = d.symbols["z"], 1
    p = [sympy.exp(z[i]) / sum(sympy.exp(z[k]) for k in range(3)) for i in range(3)]
    assert rational_zero(-1 / p[y] * p[y] * (1 - p[y]) - d.grads["z"][y]) == 0
    alone = next(p for p in d.pitfalls if p.name == "diagonal_jacobian")
    assert not alone.holds and alone.counterexample.grad == "z_softmax"


def test_the_exact_delta_agrees_with_central_differences_of_the_numpy_loss():
    logits = np.array([0.5, -1.25, 2.0, 0.0])
    d = derive_softmax_ce(4, label=2, values=logits.tolist())
    step = next(s for s in d.steps if s.key == "softmax.values")
    exact = np.array([float(v) for v in step.data["grad"]])

    def loss(z):
        e = np.exp(z - z.max())
        return -np.log(e[2] / e.sum())

    h = 1e-5  # central differences: truncation ~h^2 * |L'''| ~ 1e-10, rounding ~eps*|L|/h ~ 1e-11
    fd = np.array([(loss(logits + h * e) - loss(logits - h * e)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(exact, fd, rtol=0, atol=1e-8)
    np.testing.assert_allclose([float(v) for v in step.data["probabilities"]], np.exp(logits) / np.exp(logits).sum())
    assert abs(float(step.data["loss"]) - loss(logits)) < 1e-12


def test_equal_logits_give_ln_classes_the_untrained_networks_2_302():
    d = derive_softmax_ce(10, label=7)
    u = next(s for s in d.steps if s.key == "softmax.uniform").data
    assert u["loss"] == sympy.log(10) and abs(u["value"] - 2.302) < 0.001 and u["value"] == math.log(10)


@pytest.mark.parametrize("args, kwargs, word", [
    ((1,), {}, "classes"), ((3,), {"label": 3}, "label"), ((3,), {"label": -1}, "label"),
    ((3,), {"values": [1, 2]}, "values"), ((40,), {}, "classes"),
])
def test_bad_arguments_raise_gradprooferror_naming_them(args, kwargs, word):
    with pytest.raises(GradproofError, match=word):
        derive_softmax_ce(*args, **kwargs)
