"""homework init and homework gradescope write working files."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from checker.grading.grade import grade_submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("iface, module", [("cs231n", "layers.py"), ("native", "gradproof_hw.py")])
def test_homework_init_writes_a_template_that_grades_to_zero(tmp_path, iface, module):
    out = subprocess.run([sys.executable, "cli.py", "homework", "init", str(tmp_path / "hw"), "--interface", iface],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    src = (tmp_path / "hw" / module).read_text()
    ast.parse(src)
    assert "NotImplementedError" in src and "H' = 1 + (H + 2 * pad - HH) // stride" in src
    assert "python cli.py grade" in src
    if iface == "cs231n":
        r = grade_submission(tmp_path / "hw" / module, iface)
        assert r.score == 0 and "not written yet" in r.functions[0].parts[0].messages[0]


def test_homework_gradescope_and_bad_arguments(tmp_path):
    out = subprocess.run([sys.executable, "cli.py", "homework", "gradescope", str(tmp_path / "ag")], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    run = (tmp_path / "ag" / "run_autograder").read_text()
    assert "results/results.json" in run and (tmp_path / "ag" / "gradproof" / "checker" / "grading").is_dir()
    bad = subprocess.run([sys.executable, "cli.py", "grade", str(tmp_path / "missing.txt")], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "error" in bad.stderr
