"""Shrinking: the smallest failing case is smaller, and its reproduction reproduces it exactly."""
import shutil
import subprocess
import sys
from pathlib import Path

from grading.interfaces import INTERFACES
from grading.runner import prepare, run_battery
from grading.sandbox import Sandbox
from grading.submission import Submission
from grading.shrink import shrink

EX = Path(__file__).resolve().parent.parent / "examples" / "cs231n"


def _run(script: str, folder: Path) -> float:
    out = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return float(out.stdout.split()[-1])


def test_shrunk_case_is_smaller_and_reproduces(tmp_path):
    spec = INTERFACES["cs231n"].function("max_pool_backward_naive")
    sub = Submission(str(EX / "mistake_assign_pool.py"), "cs231n",
                     {"student.py": (EX / "mistake_assign_pool.py").read_bytes()}, "student")
    cases = prepare(spec, spec.battery(0), 0)
    run_battery(spec, sub, cases, Sandbox())
    failing = next(c for c in cases if not c.verdicts[0].ok)
    rep = shrink(spec, sub, failing, 0, Sandbox(), 1)
    assert rep.function == "max_pool_backward_naive" and rep.part == "dx"
    assert rep.worst is not None and len(rep.worst) == 4
    assert rep.config != failing.cfg.describe()
    shutil.copy(EX / "mistake_assign_pool.py", tmp_path / "student.py")
    assert _run(rep.code, tmp_path) > 1e-3  # the bug shows
    shutil.copy(EX / "correct.py", tmp_path / "student.py")
    assert _run(rep.code, tmp_path) < 1e-9  # and the same script passes a correct solution exactly


def test_a_reproduction_runs_for_a_file_name_that_is_no_module_and_names_a_wrong_shape(tmp_path):
    import shutil
    import subprocess
    import sys

    from grading.grade import grade_submission
    from grading.sandbox import Limits

    shutil.copy(Path(__file__).resolve().parent.parent / "examples" / "cs231n" / "mistake_unpad_slice.py",
                tmp_path / "hw3-layers.py")
    r = grade_submission(tmp_path / "hw3-layers.py", "cs231n", limits=Limits(timeout_s=20.0), seed=3)
    rep = r.functions[1].repro
    assert rep.part == "dx" and "from hw3-layers" not in rep.code
    out = subprocess.run([sys.executable, "-c", rep.code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "dx has shape" in out.stdout and "but must have shape" in out.stdout


def test_a_file_written_for_the_other_interface_is_told_which_one():
    from grading.grade import grade_submission
    from grading.sandbox import Limits

    r = grade_submission(Path(__file__).resolve().parent.parent / "examples" / "native" / "correct.py", "cs231n",
                         limits=Limits(timeout_s=20.0))
    assert r.score == 0 and all("--interface native" in f.error for f in r.functions)


def test_a_tie_reproduction_says_that_other_splits_are_right_too():
    from grading.configs import pool_battery
    from grading.interfaces import get_interface
    from grading.runner import prepare
    from grading.shrink import code_for

    spec = get_interface("cs231n").function("max_pool_backward_naive")
    [tied] = prepare(spec, [c for c in pool_battery() if c.ties][:1], 0)
    [plain] = prepare(spec, [c for c in pool_battery() if not c.ties][:1], 0)
    assert "any split among the tied maxima" in code_for(spec, "layers", tied)
    assert "tied" not in code_for(spec, "layers", plain)
