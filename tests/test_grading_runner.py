"""Running cases: verdicts per case, and finite differences of the student's forward taken by the grader."""
from pathlib import Path

import numpy as np

from grading.interfaces import FD_CONV, FD_POOL, INTERFACES
from grading.runner import finite_differences, prepare, run_battery
from grading.sandbox import Sandbox
from grading.submission import Submission

EX = Path(__file__).resolve().parent.parent / "examples" / "cs231n"
CS = INTERFACES["cs231n"]


def _files(name):
    return {"student.py": (EX / name).read_bytes()}


def _sub(name):
    return Submission(str(EX / name), "cs231n", _files(name), "student")


def test_finite_differences_of_a_right_forward_equal_the_reference_gradient():
    for fwd, bwd, cfg in [("conv_forward_naive", "conv_backward_naive", FD_CONV),
                          ("max_pool_forward_naive", "max_pool_backward_naive", FD_POOL)]:
        spec = CS.function(bwd)
        [case] = prepare(spec, [cfg], 0)
        grads = finite_differences(CS.function(fwd), _sub("correct.py"), case, spec.wrt, Sandbox())
        for j, name in enumerate(spec.wrt):
            # sum(out * dout) is linear (conv) or piecewise linear with tie-free inputs (max-pool) in each
            # input, so central differences are exact up to round-off (~1e-12 here): 1e-6 is a wide margin
            fd, bound = grads[name]
            assert np.allclose(fd, case.refs[j], atol=1e-6), (bwd, name)
            # the error bound of a float64 forward is of the order of round-off, far below the tolerance
            assert np.all(np.abs(fd - case.refs[j]) <= bound + 1e-9) and bound.max() < 1e-8


def test_finite_differences_follow_the_students_own_forward():
    spec = CS.function("conv_backward_naive")
    [case] = prepare(spec, [FD_CONV], 0)
    grads = finite_differences(CS.function("conv_forward_naive"), _sub("mistake_no_bias.py"), case, spec.wrt,
                               Sandbox())
    assert np.allclose(grads["b"][0], 0) and not np.allclose(case.refs[2], 0)  # no bias: no gradient for b


def test_run_battery_judges_each_case():
    spec = CS.function("conv_backward_naive")
    cases = prepare(spec, spec.battery(0)[:3], 0)
    run_battery(spec, _sub("mistake_db_batch.py"), cases, Sandbox())
    assert all(c.verdicts[0].ok and c.verdicts[1].ok for c in cases)
    assert [c.verdicts[2].ok for c in cases] == [c.cfg.N == 1 for c in cases]

