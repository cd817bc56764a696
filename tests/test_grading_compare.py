"""Verdicts: each failure kind has its own message; float32-but-right passes."""
import numpy as np

import pytest

from grading.compare import check, check_pool_ties, inplace

REF = np.arange(12.0).reshape(1, 1, 3, 4)


def test_float32_passes_and_small_errors_fail():
    assert check(REF.astype(np.float32), REF).ok
    bad = REF.copy()
    bad[0, 0, 2, 1] += 0.01
    v = check(bad, REF)
    assert not v.ok and v.kind == "values" and v.worst == (0, 0, 2, 1) and "(0, 0, 2, 1)" in v.message


def test_each_failure_kind_has_its_message():
    assert check(None, REF).kind == "missing"
    assert "dtype int64" in check(REF.astype(np.int64), REF).message
    assert "shape (1, 1, 4, 3)" in check(REF.reshape(1, 1, 4, 3), REF).message
    nan = REF.copy()
    nan[0, 0, 1, 1] = np.nan
    assert check(nan, REF).message.startswith("contains NaN")
    inf = REF.copy()
    inf[0, 0, 0, 0] = np.inf
    assert check(inf, REF).message.startswith("contains inf")


def test_inplace_changes_are_caught():
    orig = {"dout": REF}
    assert inplace(orig, {"in.dout": REF.copy()}).ok
    v = inplace(orig, {"in.dout": REF * 0})
    assert not v.ok and v.kind == "inplace" and "dout" in v.message
    assert inplace(orig, {}).kind == "missing"


# --- max-pool backward at ties (the project's tie policy) ---------------------------------------------
def _tie_case():
    # one 2x2 window per plane, stride 2: a two-way tie (top row) and a window of zeros after a ReLU
    x = np.array([[[[1.0, 1.0], [0.5, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]])
    g = np.array([[[[3.0]], [[-2.0]]]])
    first = np.array([[[[3.0, 0.0], [0.0, 0.0]], [[-2.0, 0.0], [0.0, 0.0]]]])   # numpy.argmax route
    return x, g, first


def _judge(dx):
    x, g, first = _tie_case()
    return check_pool_ties(dx, first, x, g, 2, 2, 2)


def test_one_max_routing_and_splits_that_sum_to_the_gradient_are_right():
    x, g, first = _tie_case()
    assert _judge(first).ok
    last = np.array([[[[0.0, 3.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, -2.0]]]])
    half = np.array([[[[1.5, 1.5], [0.0, 0.0]], [[-0.5, -0.5], [-0.5, -0.5]]]])
    uneven = np.array([[[[1.0, 2.0], [0.0, 0.0]], [[-2.0, 0.0], [0.0, 0.0]]]])
    assert _judge(last).ok and _judge(half).ok and _judge(uneven).ok


def test_every_tied_maximum_getting_the_whole_gradient_is_wrong():
    x, g, first = _tie_case()
    every = (x == x.max(axis=(2, 3), keepdims=True)) * g
    v = _judge(every)
    assert not v.ok and v.kind == "values"


@pytest.mark.parametrize("dx", [
    [[[[4.0, -1.0], [0.0, 0.0]], [[-2.0, 0.0], [0.0, 0.0]]]],   # sums to g, but a negative share
    [[[[3.0, 0.0], [0.5, 0.0]], [[-2.0, 0.0], [0.0, 0.0]]]],    # gradient on a cell that is not a maximum
    [[[[2.0, 0.0], [0.0, 0.0]], [[-2.0, 0.0], [0.0, 0.0]]]],    # shares sum to less than g
])
def test_other_splits_are_wrong(dx):
    assert not _judge(np.array(dx)).ok


def test_a_zero_gradient_splits_into_zeros_only():
    x = np.zeros((1, 1, 2, 2))
    g = np.zeros((1, 1, 1, 1))
    assert check_pool_ties(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), x, g, 2, 2, 2).ok
    plus_minus = np.array([[[[1.0, -1.0], [0.0, 0.0]]]])
    assert not check_pool_ties(plus_minus, np.zeros((1, 1, 2, 2)), x, g, 2, 2, 2).ok


# --- the tolerance's derivation, measured on the whole battery (see the module docstring) ----------------
U32 = 2.0 ** -24


def _terms(spec, cfg, part) -> int:
    """How many products an entry of ``part`` sums (a pooling or rot180 entry is one input, rounded once)."""
    if spec.family == "pool" or spec.role == "rot180":
        return 1
    if spec.role in ("xcorr2d", "full_conv2d"):
        return cfg.HH * cfg.WW
    if part == "out":
        return cfg.C * cfg.HH * cfg.WW + 1
    if part == "dx":
        return cfg.F * cfg.HH * cfg.WW
    return cfg.N * cfg.out_hw[0] * cfg.out_hw[1]


def _battery_cases():
    from grading.interfaces import INTERFACES

    # the class-style layers' tolerance is measured in tests/test_grading_notes_cnn.py
    for spec in [f for i in INTERFACES.values() for f in i.functions if f.family != "notes"]:
        for cfg in spec.battery(0) + spec.battery(0, strict=True):
            for seed in range(3):
                a = spec.inputs(cfg, seed)
                try:
                    refs = spec.reference(cfg, a)
                except (ValueError, IndexError):
                    continue  # a 2-D function on a case it does not fit (the grader skips it too)
                yield spec, cfg, a, refs


def test_the_tolerance_holds_float32_round_off_of_the_right_rule_on_every_battery_case():
    from grading.compare import RTOL, tolerance

    worst = 0.0
    for spec, cfg, a, refs in _battery_cases():
        f32 = spec.reference(cfg, {k: v.astype(np.float32) for k, v in a.items()})
        by_abs = spec.reference(cfg, {k: np.abs(v) for k, v in a.items()})   # sum |terms| of every entry
        for part, r, r32, s in zip(spec.parts, refs, f32, by_abs):
            # the right rule on float32 inputs, returned as float32 (a pooling route may come back as float64)
            assert check(np.asarray(r32, dtype=np.float32), r).ok, (spec.name, part, cfg.describe())
            k = _terms(spec, cfg, part) + 2   # +2: the rounding of the two factors of each product
            bound = k * U32 / (1 - k * U32) * float(np.max(np.abs(s), initial=0.0))   # Higham's gamma_k
            worst = max(worst, bound / tolerance(r))
    assert worst < 0.5, worst   # the worst-case float32 error stays well inside the tolerance (measured 0.39)
    assert RTOL == 1e-4


def test_every_known_mistake_is_outside_the_tolerance_on_every_battery_case():
    from grading.compare import tolerance
    from grading.diagnose import _variants

    smallest = np.inf
    for spec, cfg, a, refs in _battery_cases():
        for j, part in enumerate(spec.parts):
            for key, words, thunk in _variants(spec.role, part, cfg, a):
                wrong = thunk()
                if wrong is None or np.shape(wrong) != refs[j].shape or not refs[j].size:
                    continue
                err = float(np.max(np.abs(wrong - refs[j])))
                if err > 1e-12:   # a slip that makes no difference on this case cannot be seen on it
                    assert not check(wrong, refs[j]).ok, (key, cfg.describe())
                    smallest = min(smallest, err / tolerance(refs[j]))
    assert smallest > 10, smallest   # the nearest mistake is far outside (measured 49 tolerances)
