"""check_backward / assert_backward: every verdict path, each classic mistake caught at the right element.

No tolerance here is chosen by us: every verdict uses the per-element tolerance the checker derives
(checker/verdict.py). The tests only assert pass/fail and where the failure is.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import checker
from checker import (assert_backward, check_backward, conv2d_structure, cs231n_pair, judge_gradients,
                     pool2d_structure)
from checker.adjoint import adjoint_check
from checker.ops import conv2d_backward, conv2d_forward, full_conv2d, pad2d, rot180
from checker.activation_ops import relu, relu_backward
from checker.pool_ops import maxpool_backward, maxpool_forward, meanpool_backward, meanpool_forward
from checker.strategies import conv2d_cases, pool2d_cases

RNG = np.random.default_rng(7)
X, W, B = RNG.standard_normal((2, 3, 7, 6)), RNG.standard_normal((4, 3, 3, 2)), RNG.standard_normal(4)


def conv_check(backward, *, stride=1, pad=1, mode="auto", x=X, w=W, b=B, **kw):
    f = lambda x, w, b: conv2d_forward(x, w, b, stride=stride, pad=pad)
    return check_backward(f, backward, {"x": x, "w": w, "b": b}, seed=3, mode=mode, batched=("x",),
                          structure=conv2d_structure(w.shape, stride=stride, pad=pad), **kw)


def good(stride=1, pad=1):
    def backward(d, x, w, b):
        return conv2d_backward(d, x, w, stride=stride, pad=pad)
    return backward


@pytest.mark.parametrize("mode", ["auto", "element", "batched", "compressed", "directional"])
@pytest.mark.parametrize("stride", [1, 2])
def test_correct_conv_passes_in_every_mode(mode, stride):
    r = conv_check(good(stride), stride=stride, mode=mode)
    assert r.ok, r.summary()
    for a in r.args:  # margin: a correct layer sits far below its derived tolerance
        assert a.ratio.max() < 0.5


def test_modes_agree_on_the_numeric_gradient():
    a, e = conv_check(good(), mode="compressed"), conv_check(good(), mode="element")
    for ra, re in zip(a.args, e.args):
        np.testing.assert_allclose(ra.expected, re.expected, rtol=0, atol=4 * re.tol.max())
    assert a.calls < e.calls / 5  # the colouring is the point (more so on larger inputs: see bench/)


def test_no_kernel_rotation_fails_in_dx_only():
    def backward(d, x, w, b):  # dx computed with the kernel as is: rotating twice undoes the rule's rotation
        return conv2d_backward(d, x, rot180(w), pad=1)[0], *conv2d_backward(d, x, w, pad=1)[1:]
    r = conv_check(backward)
    assert not r.ok and not r["x"].ok and r["w"].ok and r["b"].ok
    assert r["x"].n_failed > 10


def test_missing_dilation_for_stride_2_fails_in_dx():
    def backward(d, x, w, b):
        n, c, h, wd = x.shape
        full = np.stack([sum(full_conv2d(d[i, f], w[f, ch]) for f in range(w.shape[0]))
                         for i in range(n) for ch in range(c)]).reshape(n, c, *full_conv2d(d[0, 0], w[0, 0]).shape)
        full = pad2d(full, 0, max(0, h + 2 - full.shape[2]), 0, max(0, wd + 2 - full.shape[3]))
        return full[:, :, 1:1 + h, 1:1 + wd], *conv2d_backward(d, x, w, stride=2, pad=1)[1:]
    r = conv_check(backward, stride=2)
    assert not r["x"].ok and r["x"].problem is None and r["w"].ok


def test_db_not_summed_over_batch_fails_in_db():
    def backward(d, x, w, b):
        dx, dw, _ = conv2d_backward(d, x, w, pad=1)
        return dx, dw, d[0].sum(axis=(1, 2))
    r = conv_check(backward)
    assert [a.name for a in r.args if not a.ok] == ["b"] and r["b"].n_failed == 4


def test_relative_error_of_1e_3_in_one_dw_entry_is_found_there():
    def backward(d, x, w, b):
        dx, dw, db = conv2d_backward(d, x, w, pad=1)
        dw = dw.copy()
        dw[2, 1, 0, 1] *= 1 + 1e-3
        return dx, dw, db
    r = conv_check(backward)
    assert not r.ok and r["w"].n_failed == 1 and r["w"].worst.index == (2, 1, 0, 1)
    assert "dw[2, 1, 0, 1]" in r.summary()


def pool_check(backward, x, k=3, s=2, kind="max"):
    fwd = maxpool_forward if kind == "max" else meanpool_forward
    return check_backward(lambda x: fwd(x, k, k, stride=s), backward, [x], seed=1, batched=("x",),
                          structure=pool2d_structure(k, k, stride=s))


def test_assign_instead_of_add_in_overlapping_max_pool_fails_where_windows_share_a_winner():
    x = RNG.permutation(np.arange(2 * 2 * 7 * 7.0)).reshape(2, 2, 7, 7) / 10  # tie-free
    def backward(d, x):
        dx = np.zeros_like(x)
        for i in range(d.shape[2]):
            for j in range(d.shape[3]):
                win = x[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].reshape(*x.shape[:2], -1)
                a = win.argmax(axis=-1)
                for n in range(x.shape[0]):
                    for c in range(x.shape[1]):
                        dx[n, c, 2 * i + a[n, c] // 3, 2 * j + a[n, c] % 3] = d[n, c, i, j]  # the bug: =
        return dx
    assert pool_check(lambda d, x: maxpool_backward(d, x, 3, 3, stride=2), x).ok
    r = pool_check(backward, x)
    assert not r.ok
    n, c, i, j = r["x"].worst.index  # the worst element wins more than one window
    wins = sum(1 for a in range(3) for b_ in range(3) if 0 <= i - a < 5 and 0 <= j - b_ < 5 and (i - a) % 2 == 0
               and (j - b_) % 2 == 0 and x[n, c, i - a:i - a + 3, j - b_:j - b_ + 3].max() == x[n, c, i, j])
    assert wins >= 2


def test_missing_one_over_k_squared_is_a_constant_factor():
    x = RNG.standard_normal((2, 3, 6, 6))
    r = pool_check(lambda d, x: meanpool_backward(d, x.shape, 2, 2, stride=2) * 4, x, k=2, kind="mean")
    assert not r.ok and "factor:4" in r["x"].patterns


def test_max_pool_ties_do_not_fail_falsely_and_say_what_was_done():
    x = np.ones((2, 1, 4, 4))  # every window a four-way tie
    r = pool_check(lambda d, x: maxpool_backward(d, x, 2, 2, stride=2), x, k=2)
    assert r.ok and r["x"].n_kinks > 0 and any(n.key == "note.kinks" for n in r.notes)
    strict = check_backward(lambda x: maxpool_forward(x, 2, 2, stride=2), lambda d, x: maxpool_backward(
        d, x, 2, 2, stride=2), [x], seed=1, kinks="strict")
    assert not strict.ok  # without the interval the tie really does look wrong


def test_relu_kink_is_bracketed_and_a_wrong_side_outside_the_bracket_fails():
    x = np.array([-1.0, 0.0, 1e-9, 2.0])
    assert check_backward(relu, relu_backward, [x], seed=0).ok
    r = check_backward(relu, lambda d, x: 2 * relu_backward(d, x), [x], seed=0)
    assert not r.ok


def test_float32_correct_layer_passes_with_a_precision_note():
    r = conv_check(good(), x=X.astype(np.float32), w=W.astype(np.float32), b=B.astype(np.float32))
    assert r.ok, r.summary()
    keys = [n.key for n in r.notes]
    assert "note.float32_in_float64" in keys and "note.precision_only" in keys

    def off(d, x, w, b):  # a logic error stays an error in float32
        dx, dw, db = conv2d_backward(d, x, w, pad=1)
        return dx, dw * np.float32(1 + 1e-3), db
    r = conv_check(off, x=X.astype(np.float32), w=W.astype(np.float32), b=B.astype(np.float32))
    assert not r.ok and not r["w"].ok and r["x"].ok


def test_function_computing_in_float32_is_judged_with_float32_round_off():
    f = lambda x: (x.astype(np.float32) ** 2)
    r = check_backward(f, lambda d, x: (2 * d * x).astype(np.float32), [RNG.standard_normal(5)], seed=0)
    assert r.ok and r.notes[0].key == "note.float32_roundoff"


def test_tiny_derivative_under_a_large_value_is_not_a_false_failure():
    x, w, b = np.zeros((1, 1, 4, 4)), np.full((1, 1, 3, 3), 1e-6), np.ones(1)
    assert conv_check(good(), x=x, w=w, b=b).ok

    def one_percent_off(d, x, w, b):  # dx is about 1e-6: a fixed rtol on top of out = 1 could not see this
        dx, dw, db = conv2d_backward(d, x, w, pad=1)
        return dx * 1.01, dw, db
    r = conv_check(one_percent_off, x=x, w=w, b=b)
    assert not r.ok and r["x"].n_failed > 0 and r["w"].ok


def test_in_place_mutation_is_reported():
    def backward(d, x):
        d[x <= 0] = 0  # writes into the caller's dout
        return d
    r = check_backward(relu, backward, [RNG.standard_normal(6) + 0.5], seed=0)
    assert not r.ok and ("function", "backward") in r.notes[0].fields and ("arg", "dout") in r.notes[0].fields


@pytest.mark.parametrize("bad, problem", [
    (lambda d, x, w, b: (d,), "returned 1 gradients for 3 inputs"),
    (lambda d, x, w, b: (x, w.T, b), "has shape"),
    (lambda d, x, w, b: (x * np.nan, w, b), "NaN"),
    (lambda d, x, w, b: 7, "1 gradients"),
])
def test_bad_backward_results_are_clear_failures(bad, problem):
    r = conv_check(bad)
    assert not r.ok and any(problem in (a.problem or "") for a in r.args)


def test_caller_mistakes_are_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match="mode"):
        check_backward(relu, relu_backward, [np.ones(2)], mode="fast")
    with pytest.raises(ValueError, match="dout"):
        check_backward(relu, relu_backward, [np.ones(2)], dout=np.ones(3))
    with pytest.raises(ValueError, match="'y'"):
        check_backward(relu, relu_backward, [np.ones(2)], batched=("y",))
    with pytest.raises(ValueError, match="int64"):
        check_backward(relu, relu_backward, [np.arange(2)])


def test_assert_backward_names_the_worst_element():
    with pytest.raises(AssertionError, match=r"dx\[2\]"):
        assert_backward(lambda x: x ** 2, lambda d, x: 2 * d * x + (np.arange(3) == 2), [np.ones(3)], seed=0)


def test_cs231n_adapter():
    def conv_forward(x, w, b, conv_param):
        return conv2d_forward(x, w, b, **conv_param), (x, w, b, conv_param)
    def conv_backward(dout, cache):
        x, w, b, p = cache
        return conv2d_backward(dout, x, w, **p)
    f, g = cs231n_pair(conv_forward, conv_backward, {"stride": 2, "pad": 1})
    assert check_backward(f, g, [X, W, B], names=("x", "w", "b"), seed=0).ok


def test_adjoint_test_is_exact_for_linear_arguments_and_catches_a_wrong_rule():
    fwd = lambda x, w, b: conv2d_forward(x, w, b, stride=2, pad=1)
    for arg in range(3):
        assert adjoint_check(fwd, good(2), [X, W, B], arg=arg, seed=0).ok
    wrong = lambda d, x, w, b: (conv2d_backward(d, x, rot180(w), stride=2, pad=1)[0], None, None)
    assert not adjoint_check(fwd, wrong, [X, W, B], arg=0, seed=0).ok


def test_directional_mode_catches_a_wrong_gradient_without_localising():
    def backward(d, x, w, b):
        dx, dw, db = conv2d_backward(d, x, w, pad=1)
        return dx, dw * (1 + 1e-3), db
    r = conv_check(backward, mode="directional")
    assert not r.ok and r.args == () and r.directional is not None
    assert "random direction" in r.summary()


def test_exclude_policy_leaves_kinks_out_and_says_so():
    x = np.array([0.0, 1.0, -1.0])
    r = check_backward(relu, lambda d, x: 3 * d * (x == 0) + relu_backward(d, x), [x], seed=0, kinks="exclude")
    assert r.ok and r["x"].n_kinks == 1 and ("policy", "exclude") in r.notes[0].fields


def test_forward_mutating_its_input_is_reported_and_differences_stay_right():
    def forward(x):
        out = 2 * x
        x += 1  # the bug
        return out
    r = check_backward(forward, lambda d, x: 2 * d, [np.ones(3)], seed=0)
    assert not r.ok and r["x"].ok  # the gradient itself is right: only the mutation fails the check
    assert ("function", "forward") in r.notes[0].fields


def test_forward_returning_nan_is_a_clear_failure():
    r = check_backward(lambda x: x * np.nan, lambda d, x: d, [np.ones(2)], seed=0)
    assert not r.ok and "NaN" in r["x"].problem


def test_adjoint_check_is_exported():
    assert checker.adjoint_check is adjoint_check


def _dropout(seed):
    # a forward that draws a fresh mask on every call: a checker that differences it measures noise
    rng = np.random.default_rng(seed)
    return lambda x: x * (rng.random(x.shape) < 0.5) * 2.0


@pytest.mark.parametrize("seed", range(40))
def test_dropout_with_a_fresh_mask_per_call_is_refused_as_not_deterministic(seed):
    x = np.random.default_rng(seed).standard_normal((3, 5))
    r = check_backward(_dropout(seed), lambda d, x: 100 * d, [x], seed=seed)
    assert not r.ok
    assert [n.key for n in r.notes] == ["note.nondeterministic"]
    assert r["x"].problem == "not checked: forward is not deterministic"
    assert "Fix its random state" in r.summary() and "seeded Generator" in r.summary()


def test_a_seeded_dropout_is_checked_normally():
    x = np.random.default_rng(0).standard_normal((3, 5))
    mask = np.random.default_rng(1).random(x.shape) < 0.5
    assert check_backward(lambda x: x * mask * 2.0, lambda d, x: d * mask * 2.0, [x], seed=0).ok
    assert not check_backward(lambda x: x * mask * 2.0, lambda d, x: 100 * d, [x], seed=0).ok


def test_a_backward_with_fresh_noise_per_call_is_refused():
    rng = np.random.default_rng(0)
    r = check_backward(lambda x: 2 * x, lambda d, x: 2 * d + rng.standard_normal(d.shape), [np.ones(4)], seed=0)
    assert not r.ok and [n.key for n in r.notes] == ["note.nondeterministic"]
    assert "backward is not deterministic" in r.summary()


def test_a_forward_returning_out_and_cache_is_named_and_the_adapter_suggested():
    r = check_backward(lambda x: (2 * x, {"x": x}), lambda d, x: 2 * d, [np.ones(3)], seed=0)
    assert not r.ok and [n.key for n in r.notes] == ["note.forward_tuple"]
    assert "(out, cache)" in r.summary() and "cs231n_pair" in r.summary()
    assert "shape" not in r.summary()


def test_summary_speaks_sentences_not_keys():
    x = np.ones(3)

    def fwd(x):
        x *= 2.0  # in place: the caller's array doubles
        return x

    r = check_backward(fwd, lambda d, x: 2 * d, [x], seed=0)
    assert not r.ok and all(a.ok for a in r.args)
    first = r.summary().splitlines()[0]
    assert "every gradient matches" in first and "forward modified its input x in place" in first
    assert "note." not in r.summary() and "does NOT match" not in r.summary()


def _conv16():
    rng = np.random.default_rng(5)
    ins = {"x": rng.standard_normal((2, 3, 16, 16)), "w": rng.standard_normal((4, 3, 3, 3)),
           "b": rng.standard_normal(4)}
    return (lambda x, w, b: conv2d_forward(x, w, b, pad=1)), (lambda d, x, w, b: conv2d_backward(d, x, w, pad=1)), ins


def test_the_plain_call_passes_a_correct_conv_with_a_projection_and_few_calls():
    f, b, ins = _conv16()
    r = check_backward(f, b, ins, seed=0)
    assert r.ok and r.calls <= 12 and all(a.screen is not None for a in r.args)
    assert r.summary().count("checked along a random direction") == 3


@pytest.mark.parametrize("arg,where", [("x", (1, 2, 7, 11)), ("w", (2, 0, 1, 2)), ("b", (3,))])
def test_the_plain_call_catches_and_locates_one_entry_off_by_1e_4(arg, where):
    f, b, ins = _conv16()
    i = "xwb".index(arg)

    def bad(d, x, w, bb):
        g = [np.array(v) for v in b(d, x, w, bb)]
        g[i][where] *= 1 + 1e-4
        return tuple(g)

    r = check_backward(f, bad, ins, seed=1)
    assert not r.ok and r[arg].worst.index == where and r[arg].n_failed == 1
    assert [a.name for a in r.args if not a.ok] == [arg]
    assert f"d{arg}[{', '.join(map(str, where))}]" in r.summary()


def test_a_directional_failure_prints_numbers_that_differ():
    x = np.random.default_rng(0).standard_normal(50)
    r = check_backward(np.sin, lambda d, x: d * np.cos(x) * (1 + 3e-8), [x], seed=0, mode="directional")
    assert not r.ok
    line = [s for s in r.summary().splitlines() if "along a random direction" in s][0]
    got, num = line.split("backward ")[1].split(", numeric ")
    assert got != num.split(" +/-")[0]


def test_judge_gradients_judges_given_arrays_against_a_forward():

    f, b, ins = _conv16()
    dout = np.random.default_rng(2).standard_normal((2, 4, 16, 16))
    grads = b(dout, *ins.values())
    assert judge_gradients(f, ins, grads, dout=dout).ok
    wrong = (grads[0], grads[1].copy(), grads[2])
    wrong[1][1, 2, 0, 1] += 0.01
    r = judge_gradients(f, ins, wrong, dout=dout, mode="element")
    assert not r.ok and r["w"].worst.index == (1, 2, 0, 1) and r["x"].ok


@settings(max_examples=40, deadline=None)
@given(case=conv2d_cases(max_side=7, strides=(1, 2), pads=(0, 1)), seed=st.integers(0, 2 ** 31))
def test_the_plain_call_never_fails_a_correct_conv_and_catches_a_flipped_kernel(case, seed):
    p = dict(stride=case.stride, pad=case.pad, dilation=case.dilation)
    f = lambda x, w, b: conv2d_forward(x, w, b, **p)
    ins = {"x": case.x, "w": case.w, "b": case.b}
    r = check_backward(f, lambda d, x, w, b: conv2d_backward(d, x, w, **p), ins, dout=case.dout, seed=seed)
    assert r.ok, r.summary()
    dw_ok = conv2d_backward(case.dout, case.x, case.w, **p)[1]
    if np.abs(dw_ok - dw_ok[:, :, ::-1, ::-1]).max() > 1e-6 * np.abs(dw_ok).max():  # a flip that shows
        flipped = lambda d, x, w, b: (lambda g: (g[0], g[1][:, :, ::-1, ::-1], g[2]))(conv2d_backward(d, x, w, **p))
        assert not check_backward(f, flipped, ins, dout=case.dout, seed=seed)["w"].ok


@settings(max_examples=40, deadline=None)
@given(case=pool2d_cases(kind="max", max_side=7), seed=st.integers(0, 2 ** 31))
def test_the_plain_call_never_fails_a_correct_max_pool_even_on_relu_ties(case, seed):
    x = np.maximum(case.x - 0.3, 0.0)  # ReLU outputs: exact zeros, tied maxima
    f = lambda x: maxpool_forward(x, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad)
    bwd = lambda d, x: maxpool_backward(d, x, case.pool_h, case.pool_w, stride=case.stride, pad=case.pad)
    r = check_backward(f, bwd, [x], dout=case.dout, seed=seed)
    assert r.ok, r.summary()


def test_summary_patterns_are_sentences_and_chinese_follows_the_language(monkeypatch):
    r = conv_check(lambda d, x, w, b: tuple(4 * g for g in conv2d_backward(d, x, w, stride=1, pad=1)))
    assert "every entry off by a constant factor 4" in r.summary() and "factor:" not in r.summary()
    monkeypatch.setenv("GRADPROOF_LANG", "zh")
    assert "反向传播与有限差分不一致" in r.summary()


def test_one_wrong_entry_is_found_by_halving_and_many_by_per_element_differences():
    f, b, ins = _conv16()

    def one_off(d, x, w, bb):
        g = [np.array(v) for v in b(d, x, w, bb)]
        g[0][0, 1, 5, 9] += 1e-3
        return tuple(g)

    r = check_backward(f, one_off, ins, seed=2)
    assert not r.ok and r["x"].worst.index == (0, 1, 5, 9) and r["x"].n_failed == 1
    assert r.calls < 200 < ins["x"].size  # halving: about 8 log2(n) calls, not 4 per entry
    assert "halving the entries" in r.summary()
    dense = check_backward(f, lambda d, x, w, bb: tuple(2 * g for g in b(d, x, w, bb)), ins, seed=2)
    assert not dense.ok and "every entry off by a constant factor 2" in dense.summary()
    assert dense["x"].n_failed == ins["x"].size
