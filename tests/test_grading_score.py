"""Points: configurable weights per function and part, partial credit, credit kept by finite differences."""
import pytest

from grading.results import FunctionResult, PartResult, SubmissionResult
from grading.score import Weights, apply


def _bwd(*passed, total=4):
    return FunctionResult("conv_backward_naive", [PartResult(p, n, total) for p, n in zip(("dx", "dw", "db"), passed)])


def test_default_split_and_partial_credit():
    f = _bwd(4, 2, 0)
    apply(f, Weights())
    assert [p.max_points for p in f.parts] == [5, 3, 2]
    assert f.points == 5 + 1.5 + 0 and f.max_points == 10


def test_custom_weights_per_function_and_part():
    f = _bwd(4, 4, 4)
    apply(f, Weights(functions={"conv_backward_naive": 20}))
    assert f.max_points == 20 and f.parts[0].max_points == 10
    g = _bwd(4, 0, 4)
    apply(g, Weights(parts={"conv_backward_naive": {"dx": 1, "dw": 7, "db": 2}}))
    assert (g.points, g.max_points) == (3, 10)


def test_finite_difference_credit_is_full_credit():
    f = _bwd(0, 4, 4)
    f.parts[0].fd_credit = True
    apply(f, Weights())
    assert f.points == 10 and f.passed


def test_submission_totals_and_bad_weights():
    f = _bwd(4, 4, 4)
    apply(f, Weights())
    s = SubmissionResult("a.py", "cs231n", [f])
    assert (s.score, s.max_score) == (10, 10) and s.to_dict()["functions"][0]["points"] == 10
    with pytest.raises(ValueError, match="per_function"):
        Weights(per_function=-1)


def test_a_strict_check_has_its_own_weight():
    from grading.score import STRICT, Weights

    w = Weights.from_json('{"strict": 4}')
    assert w.for_parts("conv_forward_naive" + STRICT, ("out",)) == {"out": 4.0}
    assert w.for_parts("conv_forward_naive", ("out",)) == {"out": 10.0}
    with pytest.raises(ValueError, match="strict must be a number of points >= 0"):
        Weights(strict=-1)


CS231N_FUNCS = "conv_forward_naive, conv_backward_naive, max_pool_forward_naive, max_pool_backward_naive"


@pytest.mark.parametrize("weights, words", [
    ({"functions": {"conv_backward": 20}}, f"unknown function in functions: 'conv_backward' (the cs231n interface has: {CS231N_FUNCS})"),
    ({"parts": {"conv_bwd": {"dx": 1}, "pool": {}}}, "unknown functions in parts: 'conv_bwd', 'pool'"),
    ({"parts": {"conv_backward_naive": {"dx": 6, "dW": 3, "db": 1}}},
     "weights for conv_backward_naive: unknown part 'dW'; missing part 'dw' (its parts: dx, dw, db)"),
    ({"parts": {"conv_backward_naive": {"dx": 6}}}, "missing parts 'dw', 'db'"),
    ({"functions": {"conv_forward_naive": -2}}, "conv_forward_naive must be a number of points >= 0, got -2"),
    ({"functions": {"conv_forward_naive": True}}, "got True"),
    ({"parts": {"max_pool_backward_naive": {"dx": "5"}}}, "max_pool_backward_naive.dx must be a number"),
    ({"functions": {"conv_backward_naive": 9}, "parts": {"conv_backward_naive": {"dx": 1, "dw": 1, "db": 1}}},
     "in both functions and parts"),
])
def test_weights_typos_are_refused_by_name_with_the_valid_names(weights, words):
    from grading.interfaces import get_interface

    with pytest.raises(ValueError) as err:
        Weights(**weights).check(get_interface("cs231n"))
    assert words in str(err.value)


def test_grade_and_homework_gradescope_exit_2_on_a_weights_typo_before_any_work(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    w = tmp_path / "w.json"
    w.write_text('{"parts": {"conv_backward_naive": {"dx": 5, "dw": 3, "bias": 2}}}')
    for cmd in (["grade", str(root / "examples" / "cs231n" / "correct.py")],
                ["homework", "gradescope", str(tmp_path / "ag")]):
        out = subprocess.run([sys.executable, "cli.py", *cmd, "--weights", str(w)], cwd=root, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert "unknown part 'bias'; missing part 'db' (its parts: dx, dw, db)" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ag").exists()
    # the same file with the interface's names is accepted
    w.write_text('{"parts": {"conv_backward_naive": {"dx": 5, "dw": 3, "db": 2}}}')
    ok = subprocess.run([sys.executable, "cli.py", "grade", str(root / "examples" / "cs231n" / "correct.py"),
                         "--weights", str(w), "--format", "json"], cwd=root, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
