"""homework init and homework gradescope write working files."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from grading.grade import grade_submission

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("iface, module", [("cs231n", "layers.py"), ("native", "gradproof_hw.py")])
def test_homework_init_writes_a_template_that_grades_to_zero(tmp_path, iface, module):
    out = subprocess.run([sys.executable, "cli.py", "homework", "init", str(tmp_path / "hw"), "--interface", iface],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    src = (tmp_path / "hw" / module).read_text()
    ast.parse(src)
    assert "NotImplementedError" in src and "H' = 1 + (H + 2 * pad - HH) // stride" in src
    # students get the self-check, not the grader (which holds the reference answers)
    assert f"python selfcheck.py {module}" in src and "gradproof grade" not in src
    assert (tmp_path / "hw" / "selfcheck.py").is_file() and "selfcheck.py" in out.stdout
    if iface == "cs231n":
        r = grade_submission(tmp_path / "hw" / module, iface)
        assert r.score == 0 and "not written yet" in r.functions[0].parts[0].messages[0]


def test_homework_gradescope_and_bad_arguments(tmp_path):
    out = subprocess.run([sys.executable, "cli.py", "homework", "gradescope", str(tmp_path / "ag")], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    run = (tmp_path / "ag" / "run_autograder").read_text()
    assert "results/results.json" in run and (tmp_path / "ag" / "autograder.zip").is_file()
    bad = subprocess.run([sys.executable, "cli.py", "grade", str(tmp_path / "missing.txt")], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "error" in bad.stderr


def test_run_autograder_command_writes_a_gradescope_results_json(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "layers.py").write_bytes((ROOT / "examples" / "cs231n" / "correct.py").read_bytes())
    results = tmp_path / "results" / "results.json"
    # the command run_autograder runs, with Gradescope's folders moved under tmp_path
    cmd = [sys.executable, "cli.py", "grade", str(sub), "--single", "--interface", "cs231n", "--format",
           "gradescope", "-o", str(results)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json

    data = json.loads(results.read_text())
    assert data["score"] == 40 and {"execution_time", "output", "visibility", "tests"} <= set(data)
    assert all(t["status"] == "passed" and t["name"].split(":")[0] in run_autograder_names() for t in data["tests"])
    many = subprocess.run([sys.executable, "cli.py", "grade", str(ROOT / "examples" / "cs231n"), "--format",
                           "gradescope"], cwd=ROOT, capture_output=True, text=True)
    assert many.returncode == 2 and "--single" in many.stderr


def run_autograder_names():
    from grading.interfaces import INTERFACES

    return {f.name for f in INTERFACES["cs231n"].functions}


def test_a_student_checking_one_file_gets_a_report_and_no_log(tmp_path):
    shutil_src = ROOT / "examples" / "cs231n" / "mistake_no_bias.py"
    (tmp_path / "layers.py").write_bytes(shutil_src.read_bytes())
    out = subprocess.run([sys.executable, str(ROOT / "cli.py"), "grade", "layers.py", "--no-color"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr  # 0: grading ran, whatever the score
    assert "30 / 40" in out.stdout and "bias" in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers.py"]


def test_setup_sh_closes_both_copies_of_the_grader_to_other_users():
    from grading.gradescope import setup_sh

    sh = setup_sh("gradproof-0.1.0-py3-none-any.whl")
    assert 'chmod -R go-rwx "$SRC"' in sh
    from grading import GRADER_PACKAGES

    assert 'names = "checker commands derivations grading presentation".split()' in sh and sh.rstrip().endswith("chmod -R go-rwx")
    assert set(GRADER_PACKAGES) == {"checker", "commands", "derivations", "grading", "presentation"}


def test_homework_options_are_checked_before_anything_is_written(tmp_path):
    cases = [(["init", "--weights", "w.json"], "--weights: for homework gradescope only"),
             (["gradescope", "--memory-mb", "100"], "--memory-mb: expected a whole number of megabytes >= 256"),
             (["gradescope", "--autograder-root", "relative/root"], "--autograder-root must be an absolute path"),
             (["gradescope", "--timeout", "0"], "--timeout: expected a number of seconds > 0"),
             (["gradescope", "--visibility", "secret"], "invalid choice: 'secret'")]
    for extra, words in cases:
        out = subprocess.run([sys.executable, "cli.py", "homework", extra[0], str(tmp_path / "hw"), *extra[1:]],
                             cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr, out.stderr
        assert not (tmp_path / "hw").exists()
