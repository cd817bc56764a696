"""Whole submissions: correct ones get full marks, each classic mistake is caught at its function and named."""
from pathlib import Path

import pytest

from grading.grade import grade_submission
from grading.sandbox import Limits

EX = Path(__file__).resolve().parent.parent / "examples"
LIM = Limits(timeout_s=20.0, memory_mb=1024)


# tie_split.py splits a tied window's gradient equally among its maxima: valid (a convex combination of the
# one-max routes), it only differs from the first-argmax convention
@pytest.mark.parametrize("name", ["correct.py", "float32_correct.py", "tie_split.py", "vectorised_correct.py"])
def test_correct_cs231n_gets_full_marks(name):
    r = grade_submission(EX / "cs231n" / name, "cs231n", limits=LIM)
    assert r.score == r.max_score == 40.0, [p.messages for f in r.functions for p in f.parts]


def test_correct_native_gets_full_marks():
    r = grade_submission(EX / "native" / "correct.py", "native", limits=LIM)
    assert r.score == r.max_score, [p.messages for f in r.functions for p in f.parts]


MISTAKES = [
    ("mistake_no_bias.py", "conv_forward_naive", "no_bias"),
    ("mistake_assign_pool.py", "max_pool_backward_naive", "assign"),
    ("mistake_whole_window.py", "max_pool_backward_naive", "whole_window"),
    ("mistake_db_batch.py", "conv_backward_naive", "db_batch"),
    ("mistake_not_cropped.py", "conv_backward_naive", "not_cropped"),
    ("mistake_crop_constant.py", "conv_backward_naive", "crop_constant"),
    ("mistake_off_by_one.py", "conv_forward_naive", "off_by_one"),
    ("mistake_pool_stride_as_window.py", "max_pool_forward_naive", "stride_as_window"),
    ("mistake_full_conv", "conv_backward_naive", "not_rotated"),
    ("mistake_inplace.py", "conv_backward_naive", None),
    ("mistake_unpad_slice.py", "conv_backward_naive", "unpad_slice"),
    ("mistake_tie_mask.py", "max_pool_backward_naive", "tie_all"),
    ("mistake_flat_index.py", "conv_forward_naive", "values"),  # only a non-square output shows it
]


@pytest.mark.parametrize("name, function, key", MISTAKES)
def test_each_mistake_is_caught_at_its_function_and_named(name, function, key):
    r = grade_submission(EX / "cs231n" / name, "cs231n", limits=LIM)
    failed = {f.name: f for f in r.functions if not f.passed}
    assert function in failed
    f = failed[function]
    if key is None:  # in-place or a wrong shape: its own message
        assert any("in place" in m or "shape" in m for p in f.parts for m in p.messages)
    elif key == "values":  # no named mistake fits: wrong values at a named element, on a non-square output
        assert any("non-square output" in m and "wrong values: worst at" in m for p in f.parts for m in p.messages)
    else:
        assert key in [d.key for d in f.diagnoses]
        assert all(d.command.startswith("gradproof derive") for d in f.diagnoses)
    assert f.repro is not None and "import numpy as np" in f.repro.code
    # a wrong shape or an in-place change has no worst element; wrong values always have one (the flat-index
    # mistake's smallest case is an IndexError: the student's own loop runs past its rows)
    assert f.repro.worst is not None or f.repro.message.startswith("shape") or "in place" in f.repro.message \
        or (key == "values" and f.repro.message.startswith("IndexError"))
    assert r.score < r.max_score


def test_a_backward_consistent_with_a_wrong_forward_is_told_and_credited_only_on_request():
    path = EX / "cs231n" / "wrong_forward_consistent_backward.py"
    plain = grade_submission(path, "cs231n", limits=LIM)
    fwd, bwd = plain.functions[0], plain.functions[1]
    assert not fwd.passed and fwd.points < fwd.max_points / 2  # only the 1x1 kernel case survives a rotation
    # the default grade is against the reference: no credit, but the advice to fix the forward first
    dx, dw, db = bwd.parts
    assert not dx.fd_credit and dx.points < dx.max_points and not dw.fd_credit and dw.points < dw.max_points
    assert "fix conv_forward_naive first" in dx.note and "fix conv_forward_naive first" in dw.note
    assert db.points == db.max_points and not db.note   # db does not depend on the kernel
    credited = grade_submission(path, "cs231n", limits=LIM, fd_credit=True).functions[1]
    assert credited.points == credited.max_points
    for p in credited.parts[:2]:
        assert p.fd_credit and p.fd_cases == p.total - p.passed > 0 and f"{p.fd_cases} of {p.total}" in p.note


@pytest.mark.parametrize("fd_credit", [False, True])
def test_the_empty_unpad_slice_loses_the_dx_points_with_or_without_fd_credit(tmp_path, fd_credit):
    # dxp[:, :, pad:-pad] is empty when pad = 0: a wrong shape is never the gradient of anything, even
    # when a wrong forward opens the finite-difference check (on the cases with pad >= 1 dx is consistent)
    alone = grade_submission(EX / "cs231n" / "mistake_unpad_slice.py", "cs231n", limits=LIM, fd_credit=fd_credit)
    src = (EX / "cs231n" / "wrong_forward_consistent_backward.py").read_text()
    assert "    dx = dxp[:, :, pad:pad + H, pad:pad + W]\n" in src
    (tmp_path / "both.py").write_text(src.replace("dxp[:, :, pad:pad + H, pad:pad + W]", "dxp[:, :, pad:-pad, pad:-pad]"))
    both = grade_submission(tmp_path / "both.py", "cs231n", limits=LIM, fd_credit=fd_credit)
    for r in (alone, both):
        dx = r.functions[1].parts[0]
        assert dx.part == "dx" and not dx.fd_credit and dx.points < dx.max_points
        assert any("shape" in m for m in dx.messages)
    assert alone.functions[1].parts[1].points == alone.functions[1].parts[1].max_points   # dw is right


def test_consistent_zeros_earn_nothing():
    for fd_credit in (False, True):
        r = grade_submission(EX / "attacks" / "zero_consistent.py", "cs231n", limits=LIM, fd_credit=fd_credit)
        assert r.score == 0


def test_missing_file_is_reported_not_raised(tmp_path):
    r = grade_submission(tmp_path / "nope.py", "cs231n")
    assert r.score == 0 and r.status.startswith("not graded")


NATIVE = [
    ("mistake_full_conv_not_rotated.py", "full_conv2d", "not_rotated"),
    ("mistake_meanpool_missing_k2.py", "meanpool_backward2d", "missing_1_k2"),
    ("mistake_rot180_transposed.py", "rot180", "transposed"),
    ("mistake_maxpool_assign.py", "maxpool_backward", "assign"),
    ("mistake_dw_swapped.py", "conv_backward", "dw_swapped"),
]


@pytest.mark.parametrize("name, function, key", NATIVE)
def test_native_mistakes_are_named(name, function, key):
    r = grade_submission(EX / "native" / name, "native", limits=LIM)
    f = {f.name: f for f in r.functions}[function]
    assert not f.passed and key in [d.key for d in f.diagnoses]
    # the functions that are right keep full marks
    assert sum(g.points for g in r.functions if g.passed) == sum(g.max_points for g in r.functions if g.passed)


def test_missing_function_and_wrong_arity_cost_only_that_function(tmp_path):
    src = (EX / "cs231n" / "correct.py").read_text()
    src = src.replace("def max_pool_backward_naive", "def _gone").replace("    return dx, dw, db", "    return dx, dw")
    (tmp_path / "partial.py").write_text(src)
    r = grade_submission(tmp_path / "partial.py", "cs231n", limits=LIM)
    by = {f.name: f for f in r.functions}
    assert by["conv_forward_naive"].points == 10 and by["max_pool_forward_naive"].points == 10
    assert by["conv_backward_naive"].points == 0 and "expected 3 return values, got a tuple of 2" in by["conv_backward_naive"].parts[0].messages[0]
    assert by["max_pool_backward_naive"].points == 0 and "AttributeError" in by["max_pool_backward_naive"].error


def test_a_backward_bug_cannot_hide_behind_a_wrong_forward(tmp_path):
    src = (EX / "cs231n" / "wrong_forward_consistent_backward.py").read_text()
    src = src.replace("db = dout.sum(axis=(0, 2, 3))", "db = dout[0].sum(axis=(1, 2))")
    (tmp_path / "both.py").write_text(src)
    r = grade_submission(tmp_path / "both.py", "cs231n", limits=LIM, fd_credit=True)
    dx, dw, db = r.functions[1].parts
    assert dx.fd_credit and dw.fd_credit and not db.fd_credit and db.points < db.max_points


def test_the_cs231n_contract_divisible_sizes_by_default_the_rest_under_strict():
    # the assignment lets students assume output sizes divide evenly; a solution that asserts it is right
    path = EX / "cs231n" / "asserts_divisible.py"
    r = grade_submission(path, "cs231n", limits=LIM)
    assert r.score == r.max_score == 40.0, [p.messages for f in r.functions for p in f.parts]
    strict = grade_submission(path, "cs231n", limits=LIM, strict=True)
    extra = {f.name: f for f in strict.functions if f.name.endswith(" (non-divisible sizes)")}
    assert len(extra) == 4 and all(f.max_points == 2.5 for f in extra.values())
    assert sum(f.points for f in strict.functions if f.name not in extra) == 40.0
    # its forwards assert (0 points there); its backwards handle any size (they get a fallback cache)
    for name in ("conv_forward_naive", "max_pool_forward_naive"):
        f = extra[name + " (non-divisible sizes)"]
        assert f.points == 0 and all("AssertionError" in m for p in f.parts for m in p.messages)
    assert all(extra[n + " (non-divisible sizes)"].points == 2.5 for n in ("conv_backward_naive", "max_pool_backward_naive"))
    # code that handles any size gets the extra points too
    full = grade_submission(EX / "cs231n" / "correct.py", "cs231n", limits=LIM, strict=True)
    assert full.score == full.max_score == 50.0


def test_fresh_values_every_run_same_shapes_and_a_seed_that_reproduces():
    path = EX / "cs231n" / "mistake_no_bias.py"
    a, b = (grade_submission(path, "cs231n", limits=LIM) for _ in range(2))
    assert a.seed != b.seed   # 48 secret bits: equal seeds would be a broken generator
    fa, fb = a.functions[0], b.functions[0]
    # the same battery (shapes) for everyone, other input values, so other reproductions
    assert fa.parts[0].total == fb.parts[0].total and fa.repro.config == fb.repro.config
    assert fa.repro.code != fb.repro.code
    again = grade_submission(path, "cs231n", limits=LIM, seed=a.seed).functions[0]
    assert again.repro.code == fa.repro.code and a.to_dict()["seed"] == a.seed



def test_an_output_size_diagnosis_agrees_with_the_table(tmp_path):
    # H // stride instead of 1 + (H + 2*pad - HH) // stride is off by more than one on most cases: the
    # diagnosis must not call it "off by one" while the table shows 4 rows against 2
    src = (EX / "cs231n" / "correct.py").read_text()
    old = "    Ho = 1 + (H + 2 * pad - HH) // stride\n    Wo = 1 + (W + 2 * pad - WW) // stride\n"
    assert old in src
    (tmp_path / "layers.py").write_text(src.replace(old, "    Ho = H // stride\n    Wo = W // stride\n"))
    f = grade_submission(tmp_path / "layers.py", "cs231n", limits=LIM).functions[0]
    keys = [d.key for d in f.diagnoses]
    assert "off_by_one" not in keys and "out_size" in keys
    [d] = [d for d in f.diagnoses if d.key == "out_size"]
    assert "gives" in d.words and d.words.split(" the output is ")[1].split()[0] != d.words.split(" gives ")[1]


def test_off_by_one_everywhere_is_not_also_called_stride_as_window():
    # on a case with stride 1 and a 3x3 kernel over 4x4, an output one row short equals the stride-3
    # output: a coincidence on one case, not a second mistake
    f = grade_submission(EX / "cs231n" / "mistake_off_by_one.py", "cs231n", limits=LIM).functions[0]
    assert [d.key for d in f.diagnoses] == ["off_by_one"]


@pytest.mark.parametrize("ret, passed, words", [
    ("dx, dw, None", {"dx", "dw"}, "db: return value 3 is not a numeric array (got None)"),
    ("dx, dw, [[1, 2], [3]]", {"dx", "dw"}, "db: return value 3 is a ragged list, not an array"),
    ("dx, dw", set(), "expected 3 return values, got a tuple of 2 values"),
    ("dx", set(), "expected 3 return values, got one ndarray"),
])
def test_a_return_value_that_is_no_array_costs_its_own_part_and_says_what_came_back(tmp_path, ret, passed, words):
    src = (EX / "cs231n" / "correct.py").read_text()
    assert "    return dx, dw, db\n" in src
    (tmp_path / "layers.py").write_text(src.replace("    return dx, dw, db\n", f"    return {ret}\n", 1))
    r = grade_submission(tmp_path / "layers.py", "cs231n", limits=LIM, seed=3)
    f = next(f for f in r.functions if f.name == "conv_backward_naive")
    assert {p.part for p in f.parts if p.points == p.max_points} == passed
    assert any(words in m for p in f.parts if p.part not in passed for m in p.messages)


def test_a_module_beside_the_file_is_named_as_part_of_one_submission_not_as_a_package_to_stub():
    r = grade_submission(EX / "cs231n" / "mistake_full_conv" / "layers.py", "cs231n", limits=LIM, seed=1)
    err = r.functions[0].error
    assert "forward_parts lies beside this file" in err and "--single" in err and "--stub" not in err
    assert r.score == 0
