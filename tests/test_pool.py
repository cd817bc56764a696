"""derivations/pool.py: golden seed cases, rules over random geometries, numpy rules equal the exact gradients."""
import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checker.pool_ops import maxpool_backward, maxpool_forward, meanpool_backward, meanpool_forward
from derivations import derive_pool2d
from derivations.pool_rules import max_template

EPS = np.finfo(float).eps


def seed_values():
    """6x6, the seed's window 1, 0, 4, 8, 2, 5, 20, 13, 25 top-left; the other cells distinct negatives."""
    x = [[-(6 * r + c) - 1 for c in range(6)] for r in range(6)]
    for t, v in enumerate([1, 0, 4, 8, 2, 5, 20, 13, 25]):
        x[t // 3][t % 3] = v
    return x


def test_seed_max_window_gives_25_and_its_gradient_goes_to_that_cell_alone():
    d = derive_pool2d("max", (6, 6), 3, values=seed_values())
    assert d.params["output_shape"] == (2, 2)
    values_step = next(s for s in d.steps if s.key == "pool.values")
    assert values_step.data["output"][0, 0] == 25
    dA, G11 = d.grads["A"], sympy.Symbol("G11", real=True)
    assert dA[2, 2] == G11
    assert all(dA[r, c] == 0 for r in range(3) for c in range(3) if (r, c) != (2, 2))
    assert d.all_hold
    # no ties, no overlap: SymPy's Heaviside and the '=' bug agree with the truth here
    assert all(p.holds for p in d.pitfalls)


def test_seed_mean_pool_is_the_kron_expand():
    d = derive_pool2d("mean", (4, 4), 2)
    A11, A22, G12 = (sympy.Symbol(n, real=True) for n in ("A11", "A22", "G12"))
    assert sympy.expand(d.forward[0, 0] - sympy.Add(*sympy.symbols("A11 A12 A21 A22", real=True)) / 4) == 0
    assert d.grads["A"][1, 3] == G12 / 4
    assert d.rule("kron_expand").holds and d.all_hold and not d.pitfalls


def test_uncovered_rows_get_zero_and_kron_still_holds():
    d = derive_pool2d("mean", (5, 7), 2)  # row 5 and column 7 lie outside every window
    assert d.rule("kron_expand").holds and d.rule("uncovered_zero").holds
    assert all(d.grads["A"][4, c] == 0 for c in range(7))
    assert all(d.grads["A"][r, 6] == 0 for r in range(5))


def test_kron_rejected_for_overlapping_windows_with_its_wrong_shape():
    d = derive_pool2d("mean", (7, 7), 3, stride=2)
    assert d.all_hold  # scatter-add and the dilate/full-conv rule
    kron = next(p for p in d.pitfalls if p.name == "kron_expand")
    assert not kron.holds
    assert kron.counterexample.index == () and tuple(kron.counterexample.got) == (9, 9)


def test_overlapping_max_windows_accumulate_7x7():
    vals = [[r * 7 + c for c in range(7)] for r in range(7)]
    vals[2][2] = 100  # inside windows (0,0), (0,1), (1,0), (1,1) of 3x3 windows with stride 2
    d = derive_pool2d("max", (7, 7), 3, stride=2, values=vals)
    G = {n: sympy.Symbol(n, real=True) for n in ("G11", "G12", "G21", "G22")}
    assert d.grads["A"][2, 2] == G["G11"] + G["G12"] + G["G21"] + G["G22"]
    assert d.all_hold
    assign = next(p for p in d.pitfalls if p.name == "assign_not_add")
    assert not assign.holds and assign.counterexample.index == (2, 2)
    assert any(s.key == "pool.accumulate" for s in d.steps)


def test_ties_go_to_the_first_maximum_and_heaviside_is_refuted_from_three_tied_entries():
    d = derive_pool2d("max", (2, 2), 2, values=[7, 7, 7, 7])
    G11 = sympy.Symbol("G11", real=True)
    assert d.grads["A"].tolist() == [[G11, 0], [0, 0]]
    assert d.rule("route_first_argmax").holds  # the independent first-argmax rule agrees at a four-way tie
    heavi = next(p for p in d.pitfalls if p.name == "heaviside_diff")
    assert not heavi.holds and heavi.counterexample.got == G11 / 2  # 1/2 each: a total of 2, no subgradient
    assert heavi.tie_verdict == "not_subgradient"
    every = next(p for p in d.pitfalls if p.name == "every_tie_gets_all")
    assert not every.holds and every.tie_verdict == "not_subgradient"


def test_heaviside_at_a_two_way_tie_is_a_valid_subgradient_that_differs_from_the_convention():
    d = derive_pool2d("max", (2, 2), 2, values=[7, 7, 1, 0])
    heavi = next(p for p in d.pitfalls if p.name == "heaviside_diff")
    assert not heavi.holds and heavi.tie_verdict == "subgradient"  # 1/2 + 1/2 over the two maxima
    every = next(p for p in d.pitfalls if p.name == "every_tie_gets_all")
    assert not every.holds and every.tie_verdict == "not_subgradient"  # 2G in all


def test_heaviside_template_is_what_sympy_diff_gives():
    t = max_template(4)
    ws, branches, heavi = t.cells, t.branches, t.heaviside
    m = sympy.Max(*ws)
    assert [sympy.diff(m, v) for v in ws] == list(heavi)
    assert [e for e, _ in branches] == list(ws)  # window order: the tie convention rests on it


@pytest.mark.parametrize("args, kwargs, word", [
    (("avg", (4, 4), 2), {}, "kind"),
    (("mean", (4, 4), 2), {"stride": 0}, "stride"),
    (("mean", (3, 3), 4), {}, "window 4"),
    (("mean", (3, 3), 2), {"pad": -1}, "pad"),
    (("mean", (1, 2, 2, 2), 2), {}, "input_shape"),
    (("max", (4, 4), 2), {}, "values"),
    (("max", (2, 2), 2), {"values": [1, 2, 3]}, "values"),
    (("max", (3, 3), 2), {"pad": 2, "values": list(range(9))}, "pad"),
    (("max", (2, 2), 2), {"values": ["a", 1, 2, 3]}, "values"),
])
def test_bad_input_names_the_argument(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        derive_pool2d(*args, **kwargs)


def _num(arr, sub):
    return np.array(arr.xreplace(sub).tolist(), dtype=float)


geometry = st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
                     st.integers(1, 3), st.integers(1, 3), st.integers(0, 1))


@given(geometry, st.integers(0, 2**32 - 1))
def test_mean_rules_hold_and_numpy_equals_the_exact_gradient(geo, seed):
    h, w, kh, kw, sh, sw, p = geo
    assume(kh <= h + 2 * p and kw <= w + 2 * p)
    d = derive_pool2d("mean", (h, w), (kh, kw), stride=(sh, sw), pad=p)
    assert d.all_hold
    oh, ow = d.params["output_shape"]
    kron = d.rule("kron_expand") if (sh, sw) == (kh, kw) else next(r for r in d.pitfalls if r.name == "kron_expand")
    # kron(G, 1)/k^2 puts window i at rows i*k..; the truth at i*s..: without padding they are equal iff
    # s == k or there is a single window (with padding, windows of padding alone can hide the difference)
    if p == 0:
        assert kron.holds == all(s == k or o == 1 for s, k, o in ((sh, kh, oh), (sw, kw, ow)))
    rng = np.random.default_rng(seed)
    x, g = rng.normal(size=(h, w)), rng.normal(size=(oh, ow))
    sub = {**dict(zip(sympy.flatten(d.symbols["A"].tolist()), x.ravel())),
           **dict(zip(sympy.flatten(d.symbols["G"].tolist()), g.ravel()))}
    # float evaluation of the exact sums vs numpy: at most kh*kw terms each, 1e-12 relative is ample
    np.testing.assert_allclose(_num(d.forward, sub), meanpool_forward(x, kh, kw, stride=(sh, sw), pad=p),
                               rtol=0, atol=1e-12 * np.abs(x).max())
    np.testing.assert_allclose(_num(d.grads["A"], sub),
                               meanpool_backward(g, (h, w), kh, kw, stride=(sh, sw), pad=p),
                               rtol=0, atol=1e-12 * np.abs(g).max())


@settings(max_examples=30)  # each max derivation evaluates a Piecewise per window: ~0.1 s
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_max_routing_holds_and_numpy_equals_the_exact_gradient(h, w, k, s, seed):
    assume(k <= min(h, w))
    rng = np.random.default_rng(seed)
    x = rng.permutation(h * w).reshape(h, w).astype(float)  # distinct integers: tie-free, exact in SymPy
    d = derive_pool2d("max", (h, w), k, stride=s, values=x.tolist())
    assert d.all_hold
    heavi = next(p for p in d.pitfalls if p.name == "heaviside_diff")
    assert heavi.holds  # without ties SymPy's Heaviside form is right; only ties break it
    oh, ow = d.params["output_shape"]
    g = rng.normal(size=(oh, ow))
    sub = dict(zip(sympy.flatten(d.symbols["G"].tolist()), g.ravel()))
    # each entry sums at most ceil(k/s)^2 <= 9 values of g: 1e-12 * max|g| bounds the reordering error
    np.testing.assert_allclose(_num(d.grads["A"], sub), maxpool_backward(g, x, k, k, stride=s),
                               rtol=0, atol=1e-12 * np.abs(g).max())
    assign = next(p for p in d.pitfalls if p.name == "assign_not_add")
    multi = (maxpool_backward(np.ones((oh, ow)), x, k, k, stride=s) > 1).any()
    assert assign.holds == (not multi)  # '=' is wrong exactly when some cell wins two windows


@settings(max_examples=20)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_tie_convention_is_the_checkers(h, w, k, s, seed):
    assume(k <= min(h, w))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(h, w)).astype(float)  # three values only: ties everywhere
    d = derive_pool2d("max", (h, w), k, stride=s, values=x.tolist())
    oh, ow = d.params["output_shape"]
    g = rng.normal(size=(oh, ow))
    sub = dict(zip(sympy.flatten(d.symbols["G"].tolist()), g.ravel()))
    # the Piecewise's first branch and numpy's first argmax pick the same cell: same sums of g (1e-12 as above)
    np.testing.assert_allclose(_num(d.grads["A"], sub), maxpool_backward(g, x, k, k, stride=s),
                               rtol=0, atol=1e-12 * np.abs(g).max())


@pytest.mark.parametrize("kind, h, k, s, p", [("max", 7, 3, 2, 1), ("mean", 7, 3, 2, 1), ("mean", 6, 2, 2, 0),
                                             ("max", 5, 2, 1, 0)])
def test_against_torch_autograd(kind, h, k, s, p):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(h * 10 + k)
    x = rng.permutation(h * h).reshape(1, 1, h, h).astype(float)  # tie-free
    d = derive_pool2d(kind, (h, h), k, stride=s, pad=p, values=x[0, 0].tolist())
    oh, ow = d.params["output_shape"]
    g = rng.normal(size=(1, 1, oh, ow))
    t = torch.tensor(x, requires_grad=True)
    fn = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    fn(t, k, s, p).backward(torch.tensor(g))
    sub = dict(zip(sympy.flatten(d.symbols["G"].tolist()), g.ravel()))
    # sums of at most ceil(k/s)^2 terms of g (times 1/k^2): reordering error below 1e-12 * max|g|
    np.testing.assert_allclose(_num(d.grads["A"], sub), t.grad.numpy()[0, 0], rtol=0, atol=1e-12 * np.abs(g).max())
    if kind == "max":
        assert np.array_equal(maxpool_forward(x, k, k, stride=s, pad=p)[0, 0],
                              _num(next(step.data["output"] for step in d.steps if step.key == "pool.values"), {}))


def test_cli_mean_and_max_pool(capsys):
    from cli import main

    assert main(["derive", "max-pool", "--input", "2x2", "--window", "2", "--values", "1,3,3,2",
                 "--format", "json"]) == 0
    assert '"G11"' in capsys.readouterr().out
    assert main(["derive", "mean-pool", "--input", "3x3", "--window", "4"]) == 2
    err = capsys.readouterr().err
    assert "window 4" in err and len(err.strip().splitlines()) == 1
    assert main(["derive", "max-pool", "--input", "4x4", "--window", "2"]) == 2
    assert "values" in capsys.readouterr().err

