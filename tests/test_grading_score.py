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
    with pytest.raises(ValueError, match="strict must be >= 0"):
        Weights(strict=-1)
