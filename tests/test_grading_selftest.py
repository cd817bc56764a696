"""Before grading: the sandbox's self-test, in the real sandbox (as root here and on CI: namespace mode)."""
import os

import pytest

from grading.sandbox import Limits, Sandbox
from test_grading_isolation import ROOT_ONLY
from test_grading_sandbox import FAST

HONEST_HEAD = "import pdb\nimport unittest\nfrom numpy.testing import assert_allclose\nimport json, decimal\n"


def test_honest_imports_cost_nothing_in_the_real_sandbox():
    from pathlib import Path

    from grading.grade import grade_submission
    from grading.sandbox import isolation
    from grading.selftest import self_test

    src = HONEST_HEAD + (Path(__file__).parents[1] / "examples" / "cs231n" / "correct.py").read_text()
    d = Path(__import__("tempfile").mkdtemp())
    try:
        (d / "layers.py").write_text(src)
        r = grade_submission(d / "layers.py", "cs231n", limits=Limits(timeout_s=5.0, memory_mb=1024))
        assert r.score == 40.0, [f.error for f in r.functions]
    finally:
        __import__("shutil").rmtree(d)
    print(f"sandbox mode: {isolation(Limits())}: {self_test()}")


def test_the_self_test_passes_and_says_which_mode():
    from grading.sandbox import MODES, isolation
    from grading.selftest import self_test

    assert self_test(Sandbox(FAST)) == MODES[isolation(FAST)]


@ROOT_ONLY
def test_uid_mode_self_test_names_a_python_installation_the_child_cannot_read():
    import sys

    from grading.selftest import SandboxError, self_test

    uid_mode = Limits(timeout_s=3.0, memory_mb=512, isolation="uid")
    closed = [p for p in __import__("pathlib").Path(os.path.realpath(sys.base_prefix)).parents
              if not os.stat(p).st_mode & 0o001]
    if not closed:
        assert "uid mode" in self_test(Sandbox(uid_mode))  # a system-wide Python: honest imports work in uid mode too
        return
    with pytest.raises(SandboxError, match=f"cannot read the Python installation at .*{closed[-1]} is closed"):
        self_test(Sandbox(uid_mode))
