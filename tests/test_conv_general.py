"""general_conv2d: the index-notation formulas agree with the concrete derivation at several sizes."""
import pytest
import sympy

from derivations import derive_conv2d, general_conv2d
from derivations._proof import entries_equal
from derivations.conv_general import evaluate, p, q, u, v


def _to_seed(expr, d, h, w):
    """Replace A[i, j], K[m, n], G[i, j] (0-based) by the derivation's symbols; A outside the input is padding: 0."""
    arrays = {"A": d.symbols["A"], "K": d.symbols["K"], "G": d.symbols["G"]}

    def repl(idx):
        name = str(idx.base)
        a, b = (int(t) for t in idx.indices)
        arr = arrays[name]
        rows, cols = arr.shape
        return arr[a, b] if 0 <= a < rows and 0 <= b < cols else sympy.S.Zero

    return expr.replace(lambda e: isinstance(e, sympy.Indexed), repl)


@pytest.mark.parametrize("h, w, kh, kw, stride, pad, dilation", [
    (5, 5, 3, 3, 1, 0, 1),
    (4, 6, 2, 3, 1, 1, 1),
    (6, 6, 3, 3, 2, 0, 1),
    (7, 5, 3, 2, 2, 1, 1),
    (8, 7, 2, 2, 3, 2, 2),
])
def test_general_formula_matches_concrete_gradients(h, w, kh, kw, stride, pad, dilation):
    d = derive_conv2d((h, w), (kh, kw), stride=stride, pad=pad, dilation=dilation, bias=False)
    g = general_conv2d(stride=stride, pad=pad, dilation=dilation)
    size = dict(H=h, W=w, kernel=(kh, kw), stride=stride, pad=pad, dilation=dilation)
    for a in range(h):
        for b in range(w):
            got = _to_seed(evaluate(g["dA"], at={p: a, q: b}, **size), d, h, w)
            assert entries_equal(got, d.grads["A"][a, b]), (a, b, got, d.grads["A"][a, b])
    for a in range(kh):
        for b in range(kw):
            got = _to_seed(evaluate(g["dK"], at={u: a, v: b}, **size), d, h, w)
            assert entries_equal(got, d.grads["K"][a, b]), (a, b)


def test_limits_are_max_min_not_a_piecewise_around_the_sum():
    g = general_conv2d()["dA"]
    assert isinstance(g, sympy.Sum) and not g.function.has(sympy.Piecewise)
    assert all(lim[1].func is sympy.Max and lim[2].func is sympy.Min for lim in g.limits)


def test_stride_adds_the_divisibility_condition():
    assert not general_conv2d()["dA"].has(sympy.Mod)
    assert general_conv2d(stride=2)["dA"].has(sympy.Mod)


def test_bad_arguments():
    with pytest.raises(ValueError, match="stride must be a whole number >= 1, got 0"):
        general_conv2d(stride=0)
