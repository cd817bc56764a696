"""Verdicts: each failure kind has its own message; float32-but-right passes."""
import numpy as np

from grading.compare import check, inplace

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
