"""derivations/dense.py: out = x @ w + b, its three rules proved, the transposes refuted, numpy agrees."""
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations._validate import GradproofError
from derivations.dense import derive_dense


def sym(name):
    return sympy.Symbol(name, real=True)


def test_forward_and_gradients_are_the_documented_layout():
    d = derive_dense(3, 2)
    x, w, b = sym("x_1"), sym("w_1_0"), sym("b_0")
    assert sympy.expand(d.forward[0] - (b + sum(sym(f"x_{i}") * sym(f"w_{i}_0") for i in range(3)))) == 0
    assert d.grads["w"][1, 0] == x * sym("dout_0")  # dw = x.T @ dout: row of x, column of dout
    assert sympy.expand(d.grads["x"][1] - (sym("w_1_0") * sym("dout_0") + sym("w_1_1") * sym("dout_1"))) == 0
    assert d.grads["b"][0] == sym("dout_0") and w in d.forward[0].free_symbols
    assert d.all_hold and d.params["params"] == 3 * 2 + 2


def test_transposed_dw_is_caught_by_its_shape_or_by_an_entry():
    rect = next(p for p in derive_dense(3, 2).pitfalls if p.name == "dw_transposed")
    assert not rect.holds and rect.counterexample.index == () and tuple(rect.counterexample.got) == (2, 3)
    square = derive_dense(2, 2)
    wrong = next(p for p in square.pitfalls if p.name == "dw_transposed")
    assert not wrong.holds and wrong.counterexample.index == (0, 1)  # the diagonal agrees; (0, 1) does not
    assert wrong.counterexample.expected == sym("x_0") * sym("dout_1")
    assert not next(p for p in square.pitfalls if p.name == "dx_untransposed_w").holds
    assert all(p.name != "dx_untransposed_w" for p in derive_dense(3, 2).pitfalls)  # numpy would refuse it


def test_db_from_the_first_row_only_is_hidden_by_one_example_and_shown_by_two():
    one = next(p for p in derive_dense(2, 3).pitfalls if p.name == "db_first_row_only")
    two = next(p for p in derive_dense(2, 3, batch=2).pitfalls if p.name == "db_first_row_only")
    assert one.holds and not two.holds and two.counterexample.index == (0,)
    assert two.counterexample.expected == sym("dout_0_0") + sym("dout_1_0")


@settings(max_examples=15)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([None, 1, 3]), st.integers(0, 2**32 - 1))
def test_numpy_matmuls_equal_the_exact_gradients(D, M, N, seed):
    d = derive_dense(D, M, batch=N)
    assert d.all_hold
    rng = np.random.default_rng(seed)
    rows = N or 1
    x, w, b, g = (rng.integers(-9, 10, size=s) for s in ((rows, D), (D, M), (M,), (rows, M)))
    at = d.at(x=x.tolist() if N else x[0].tolist(), w=w.tolist(), dout=g.tolist() if N else g[0].tolist())
    num = {k: np.array(v.tolist(), dtype=float).reshape(v.shape) for k, v in at.items()}
    np.testing.assert_array_equal(num["x"].reshape(rows, D), g @ w.T)  # integers: exact, no tolerance
    np.testing.assert_array_equal(num["w"], x.T @ g)
    np.testing.assert_array_equal(num["b"], g.sum(axis=0))


@pytest.mark.parametrize("args, kwargs, word", [
    ((0, 2), {}, "input_size"), ((2, True), {}, "units"), ((2, 2), {"batch": 0}, "batch"),
    ((100, 100), {}, "products"),
])
def test_bad_arguments_raise_gradprooferror_naming_them(args, kwargs, word):
    with pytest.raises(GradproofError, match=word):
        derive_dense(*args, **kwargs)
