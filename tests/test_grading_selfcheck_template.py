"""The student's selfcheck.py: runs where gradproof cannot be imported, passes correct work, names mistakes."""
import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from grading import GRADER_PACKAGES
from grading.selfcheck_template import selfcheck_source, write_selfcheck

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def numpy_only_python(tmp_path_factory):
    """A venv whose only third-party package is numpy (a link to ours): gradproof is not importable there."""
    base = tmp_path_factory.mktemp("numpy-only")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
    only = base / "site"
    only.mkdir()
    np_dir = Path(np.__file__).resolve().parent
    for sibling in [np_dir] + list(np_dir.parent.glob("numpy.libs")):  # wheels keep their BLAS beside numpy
        (only / sibling.name).symlink_to(sibling)
    python = base / "venv" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "numpy-only.pth").write_text(str(only) + "\n")
    probe = "import importlib.util as u; print([n for n in %r if u.find_spec(n)])" % (GRADER_PACKAGES + ("gradproof",),)
    seen = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True, cwd=base)
    assert seen.returncode == 0 and seen.stdout.strip() == "[]", seen.stdout + seen.stderr
    return python


def _run(python, script, submission):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([str(python), "-I", str(script), str(submission)], capture_output=True, text=True,
                          env=env, cwd=script.parent, timeout=120)


# each classic mistake of examples/cs231n and the functions whose checks must fail (and no others)
CS231N = {
    "correct.py": set(), "float32_correct.py": set(),
    "mistake_assign_pool.py": {"max_pool_backward_naive"},
    "mistake_whole_window.py": {"max_pool_backward_naive"},
    "mistake_pool_stride_as_window.py": {"max_pool_forward_naive", "max_pool_backward_naive"},
    "mistake_crop_constant.py": {"conv_backward_naive"},
    "mistake_not_cropped.py": {"conv_backward_naive"},
    "mistake_db_batch.py": {"conv_backward_naive"},
    "mistake_inplace.py": {"conv_backward_naive"},
    "mistake_full_conv/layers.py": {"conv_backward_naive"},
    "mistake_no_bias.py": {"conv_forward_naive", "conv_backward_naive"},
    "mistake_off_by_one.py": {"conv_forward_naive", "conv_backward_naive"},
    "mistake_flat_index.py": {"conv_forward_naive", "conv_backward_naive"},  # checked against its own forward
    # the backward is the exact gradient of the (wrong) forward: only the forward fails
    "wrong_forward_consistent_backward.py": {"conv_forward_naive"},
}


def test_selfcheck_passes_correct_work_and_fails_each_classic_mistake_without_gradproof(tmp_path, numpy_only_python):
    script = tmp_path / "selfcheck.py"
    script.write_text(selfcheck_source("cs231n"))
    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(CS231N, pool.map(lambda n: _run(numpy_only_python, script, EXAMPLES / "cs231n" / n), CS231N)))
    for name, want in CS231N.items():
        out = runs[name]
        assert "Traceback" not in out.stderr, (name, out.stderr)
        failed = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("FAIL ")}
        assert failed == want, (name, out.stdout)
        assert out.returncode == (1 if want else 0), (name, out.stdout)
        if want:
            # the failing case is named and the worst entry or the reason given
            assert "on the case x " in out.stdout or "shape" in out.stdout or "changed its argument" in out.stdout
    assert "changed its argument dout" in runs["mistake_inplace.py"].stdout
    assert "db (against finite differences of your conv_forward_naive)" in runs["mistake_db_batch.py"].stdout
    assert "returned dx of shape (2, 3, 7, 7), expected (2, 3, 5, 5)" in runs["mistake_not_cropped.py"].stdout


def test_native_selfcheck_passes_the_correct_example_and_names_the_mistakes(tmp_path, numpy_only_python):
    script = tmp_path / "selfcheck.py"
    script.write_text(selfcheck_source("native"))
    want = {"correct.py": set(), "mistake_meanpool_missing_k2.py": {"meanpool_backward2d"},
            "mistake_maxpool_assign.py": {"maxpool_backward2d", "maxpool_backward"}}
    for name, fails in want.items():
        out = _run(numpy_only_python, script, EXAMPLES / "native" / name)
        assert {line.split()[1] for line in out.stdout.splitlines() if line.startswith("FAIL ")} == fails, out.stdout
        assert out.returncode == (1 if fails else 0)


@pytest.mark.parametrize("interface", ["cs231n", "native"])
def test_selfcheck_holds_no_reference_code(interface, tmp_path):
    src = selfcheck_source(interface)
    tree = ast.parse(src)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"copy", "importlib", "sys", "pathlib", "numpy"}, imported
    # the only functions are the checking machinery; none of the student's functions is defined here
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    from grading.interfaces import get_interface

    assert not defined & {f.name for f in get_interface(interface).functions}
    # no gradient is published: every backward is checked against finite differences of the student's forward
    import runpy

    path = tmp_path / "selfcheck.py"
    path.write_text(src)
    checks = runpy.run_path(str(path), run_name="selfcheck_data")["CHECKS"]
    for chk in checks:
        spec = get_interface(interface).function(chk["function"])
        if spec.forward:
            assert chk["kind"] == "gradient" and "expected" not in chk, chk["function"]
    assert {c["function"] for c in checks} == {f.name for f in get_interface(interface).functions}


def test_the_template_student_gets_a_clear_message_for_every_unwritten_function(tmp_path, numpy_only_python):
    from grading.templates import write_template

    template, script = write_template(tmp_path / "hw", "cs231n")
    out = _run(numpy_only_python, script, template)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stdout.count("is not written yet") == out.stdout.count("FAIL ") > 0
    with pytest.raises(ValueError, match="selfcheck.py"):
        write_selfcheck(tmp_path / "hw", "cs231n")
    broken = _run(numpy_only_python, script, EXAMPLES / "attacks" / "syntax_error.py")
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stderr.startswith("selfcheck: syntax_error.py could not be loaded (line ")
