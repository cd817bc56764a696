"""derive_conv2d: golden seed cases, proofs over many geometries, refuted pitfalls, bad input."""
import json

import numpy as np
import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from checker.ops import conv2d_backward, conv2d_forward
from derivations import derive_conv2d, reporting
from derivations.conv_rules import ConvGeometry, _dx

SEED_K = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
CONVN_FULL = [[1, 3, 6, 5, 3], [5, 12, 21, 16, 9], [12, 27, 45, 33, 18], [11, 24, 39, 28, 15], [7, 15, 24, 17, 9]]


def S(name):
    return sympy.Symbol(name, real=True)


def test_nine_expanded_sums_of_a_3x3_kernel_over_5x5():
    d = derive_conv2d((5, 5), (3, 3), bias=False)
    assert d.forward.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            want = sum(S(f"A{i + p + 1}{j + q + 1}") * S(f"K{p + 1}{q + 1}") for p in range(3) for q in range(3))
            assert sympy.expand(d.forward[i, j] - want) == 0
    assert str(d.forward[0, 0]).startswith("A11*K11 + A12*K12 + A13*K13 + A21*K21")


def test_association_table_of_the_seed():
    d = derive_conv2d((5, 5), (3, 3), bias=False)
    rows = {str(m.input): [(str(k), str(o)) for k, o in m.pairs] for m in d.association}
    assert rows["A11"] == [("K11", "B11")]
    assert rows["A24"] == [("K23", "B12"), ("K22", "B13"), ("K13", "B22"), ("K12", "B23")]
    assert sorted(k for k, _ in rows["A33"]) == [f"K{p}{q}" for p in range(1, 4) for q in range(1, 4)]
    assert len(d.association) == 25


def _seed_values(d):
    G, K = d.symbols["G"], d.symbols["K"]
    return {**{G[i, j]: 1 for i in range(3) for j in range(3)}, **{K[i, j]: SEED_K[i][j] for i in range(3) for j in range(3)}}


def test_input_gradient_is_matlab_convn_full_for_the_seed_numbers():
    d = derive_conv2d((5, 5), (3, 3), bias=False)
    assert d.grads["A"].subs(_seed_values(d)).tolist() == CONVN_FULL
    assert d.rule("dx_full_conv_rot180").holds


def test_forgetting_the_rotation_gives_the_rotated_matrix_and_is_refuted():
    d = derive_conv2d((5, 5), (3, 3), bias=False)
    wrong = d.rule("dx_full_conv_rot180")  # sanity: the right rule is there
    assert wrong.holds
    pit = {r.name: r for r in d.pitfalls}["dx_unrotated_kernel"]
    assert not pit.holds
    cx = pit.counterexample
    assert cx.grad == "A" and cx.index == (0, 0)
    assert cx.expected == S("G11") * S("K11") and cx.got == S("G11") * S("K33")
    # the unrotated rule, evaluated on the seed numbers, is the 180-degree rotation of convn's answer
    d4 = lambda a: a.reshape(1, 1, *a.shape).tolist()
    geometry = ConvGeometry(stride=1, pad=0, dilation=1, H=5, W=5)
    unrot = sympy.Array(_dx(d4(d.symbols["A"]), d4(d.symbols["K"]), d4(d.symbols["G"]), geometry, rotate=False))[0, 0]
    assert unrot.subs(_seed_values(d)).tolist() == [row[::-1] for row in CONVN_FULL[::-1]]


def test_stride_two_needs_dilation_and_the_extra_row():
    d = derive_conv2d((6, 6), (3, 3), stride=2)
    assert d.all_hold
    assert d.rule("dx_full_conv_rot180").statement == "dA = pad_r(full_xcorr(dilate_2(G), rot180(K))), r = 1"
    pit = {r.name: r for r in d.pitfalls}
    assert not pit["dx_no_dilation"].holds and pit["dx_no_dilation"].counterexample is not None
    # the last row and column were never reached by the forward: exact zero gradient there
    assert all(d.grads["A"][5, j] == 0 for j in range(6)) and all(d.grads["A"][i, 5] == 0 for i in range(6))


geometries = st.tuples(
    st.integers(1, 2), st.integers(1, 2), st.integers(1, 2),  # N, C, F
    st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4),  # H, W, HH, WW
    st.integers(1, 3), st.integers(0, 2), st.integers(1, 2),  # stride, pad, dilation
).filter(lambda g: g[9] * (g[5] - 1) + 1 <= g[3] + 2 * g[8] and g[9] * (g[6] - 1) + 1 <= g[4] + 2 * g[8])


@settings(max_examples=20)
@given(geometries)
def test_rules_hold_and_numpy_rules_equal_the_exact_gradients(g):
    n, c, f, h, w, kh, kw, s, p, dil = g
    d = derive_conv2d((n, c, h, w), (f, c, kh, kw), stride=s, pad=p, dilation=dil)
    assert d.all_hold, [(r.name, r.counterexample) for r in d.rules if not r.holds]
    rng = np.random.default_rng(sum(g))
    vals = {name: rng.normal(size=tuple(d.symbols[name].shape)) for name in ("x", "w", "b", "dout")}
    syms = [sym for name in vals for sym in d.symbols[name].reshape(len(d.symbols[name])).tolist()]
    args = [v for name in vals for v in vals[name].ravel()]
    dx, dw, db = conv2d_backward(vals["dout"], vals["x"], vals["w"], stride=s, pad=p, dilation=dil)
    out = conv2d_forward(vals["x"], vals["w"], vals["b"], stride=s, pad=p, dilation=dil)
    for exact, numeric in ((d.forward, out), (d.grads["x"], dx), (d.grads["w"], dw), (d.grads["b"], db)):
        got = np.array(sympy.lambdify(syms, exact.tolist())(*args), dtype=float)
        # both sides sum the same <= 2*2*3*4*4 products of O(1) normals in a different order: float64
        # rounding is ~(terms * eps * magnitude), far below 1e-9
        np.testing.assert_allclose(got, numeric, rtol=0, atol=1e-9)


@settings(max_examples=12)
@given(geometries)
@example((1, 1, 1, 5, 5, 3, 3, 1, 0, 1))  # pad 0, dilation 1, 3x3: the branch that must refute, every run
@example((1, 1, 1, 4, 4, 1, 1, 2, 1, 1))  # a 1x1 kernel: its own rotation
def test_pitfalls_are_refuted_with_a_genuine_counterexample(g):
    n, c, f, h, w, kh, kw, s, p, dil = g
    d = derive_conv2d((n, c, h, w), (f, c, kh, kw), stride=s, pad=p, dilation=dil)
    pit = {r.name: r for r in d.pitfalls}["dx_unrotated_kernel"]
    if kh == kw == 1:  # a 1x1 kernel is its own rotation: the "mistake" is right
        assert pit.holds
    if p == 0 and dil == 1 and kh * kw > 1:
        # x[0,0,0,0] meets only w[f,c,0,0]; the unrotated rule pairs it with w[f,c,HH-1,WW-1]
        assert not pit.holds
    if not pit.holds:
        cx = pit.counterexample
        assert d.grads["x"][cx.index] == cx.expected and sympy.expand(cx.expected - cx.got) != 0


def test_cached_by_shape_and_parameters():
    assert derive_conv2d((4, 4), (2, 2), stride=2) is derive_conv2d((4, 4), (2, 2), stride=2)
    assert derive_conv2d((4, 4), (2, 2), stride=1) is not derive_conv2d((4, 4), (2, 2), stride=2)


def test_json_export_parses_back():
    d = derive_conv2d((4, 4), (2, 2), stride=2, pad=1)
    data = json.loads(json.dumps(d.to_dict()))
    assert data["params"]["output_shape"] == [3, 3]
    assert [r["holds"] for r in data["rules"]] == [True, True, True]
    back = sympy.sympify(data["grads"]["A"]["entries"][0])
    assert back == sympy.sympify(str(d.grads["A"][0, 0]))


@pytest.mark.parametrize("kwargs, needle", [
    (dict(input_shape=(3, 3), kernel_shape=(4, 4)), "larger than the padded input"),
    (dict(input_shape=(5, 5), kernel_shape=(3, 3), stride=0), "stride must be a whole number >= 1, got 0"),
    (dict(input_shape=(5, 5), kernel_shape=(3, 3), dilation=0), "dilation must be a whole number >= 1, got 0"),
    (dict(input_shape=(5, 5), kernel_shape=(3, 3), pad=-1), "pad must be a whole number >= 0, got -1"),
    (dict(input_shape=(5, 5), kernel_shape=(3, 3), stride=1.5), "stride must be a whole number >= 1, got 1.5"),
    (dict(input_shape=(5.0, 5), kernel_shape=(3, 3)), "input_shape sizes must be whole numbers"),
    (dict(input_shape=(1, 2, 5, 5), kernel_shape=(1, 3, 3, 3)), "kernel_shape has 3 channels but input_shape has 2"),
    (dict(input_shape=(5, 5), kernel_shape=(1, 1, 3, 3)), "kernel_shape must have 2 sizes"),
    (dict(input_shape=(5, 5, 5), kernel_shape=(3, 3, 3)), "input_shape must have 2 or 4 sizes"),
    (dict(input_shape=(4, 8, 64, 64), kernel_shape=(8, 8, 5, 5)), "limit"),
])
def test_bad_input_names_the_argument_and_value(kwargs, needle):
    shapes = (kwargs.pop("input_shape"), kwargs.pop("kernel_shape"))
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        derive_conv2d(*shapes, **kwargs)


def test_progress_reports_each_stage_to_completion():
    seen = []
    with reporting(lambda stage, done, total: seen.append((stage, done, total))):
        derive_conv2d((1, 2, 9, 8), (2, 2, 3, 3), stride=2)  # a shape no other test derives: not cached
    stages = [s for s, _, _ in seen]
    assert [s for i, s in enumerate(stages) if s not in stages[:i]] == ["forward", "gradients", "proofs"]
    for stage in ("forward", "gradients", "proofs"):
        last = [(d, t) for s, d, t in seen if s == stage][-1]
        assert last[0] == last[1], stage
    assert seen == sorted(seen, key=lambda e: (["forward", "gradients", "proofs"].index(e[0]), e[1]))


def test_the_remainder_rows_and_columns_are_stated_separately():
    # (H + 2P - span) mod S for 7 rows and 6 columns, kernel 3, stride 2: rows 0, columns 1
    assert derive_conv2d((7, 6), (3, 3), stride=2).rule("dx_full_conv_rot180").statement.endswith("r = (0, 1)")
    assert derive_conv2d((6, 6), (3, 3), stride=2).rule("dx_full_conv_rot180").statement.endswith("r = 1")
    assert "pad_r" not in derive_conv2d((7, 7), (3, 3), stride=2).rule("dx_full_conv_rot180").statement
