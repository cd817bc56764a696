"""The Gradescope package: built from a wheel install, rehearsed end to end in a temporary autograder root."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from grading import GRADER_PACKAGES

from grading import gradescope

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "cs231n"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def validate_results_json(data: dict) -> None:
    """Gradescope's documented results.json: top level score, execution_time, output, visibility, tests[],
    each test with name, score, max_score, status (passed/failed), output and visibility."""
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], (int, float))
    assert isinstance(data["output"], str) and data["visibility"] in VISIBILITIES
    assert isinstance(data["tests"], list) and data["tests"]
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}, t.keys()
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"] and t["status"] in {"passed", "failed"}
        assert t["visibility"] in VISIBILITIES
    assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-6


def _env():
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GRADPROOF_AUTOGRADER_ROOT")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with gradproof installed from a wheel (pip's own build of this checkout), its
    dependencies linked from ours; returns the path of its ``gradproof`` command."""
    base = tmp_path_factory.mktemp("wheel-install")
    # a copy of the sources, so that setuptools' build/ and egg-info land in tmp, not in the checkout
    src = base / "src"
    for name in ("pyproject.toml", "README.md", "cli.py"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, src / name)
    for pkg in GRADER_PACKAGES:
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(base / "dist")],
                   check=True, cwd=base, env=_env())
    wheel = next((base / "dist").glob("gradproof-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True)
    vpy = base / "venv" / "bin" / "python"
    site = subprocess.run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # numpy, sympy, hypothesis, rich... as installed here (the same versions); gradproof itself from the wheel
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(vpy), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, env=_env())
    where = subprocess.run([str(vpy), "-I", "-c", "import grading, cli; print(grading.__file__, cli.__file__)"],
                           capture_output=True, text=True, cwd=base, check=True).stdout
    assert str(ROOT) not in where and site in where, where  # the installed copy, not this checkout
    return base / "venv" / "bin" / "gradproof"


@pytest.fixture(scope="module")
def package(installed, tmp_path_factory):
    """The autograder folder written by the wheel-installed command, and the weights it carries."""
    base = tmp_path_factory.mktemp("ag")
    weights = base / "w.json"
    weights.write_text(json.dumps({"per_function": 10, "parts": {"conv_backward_naive": {"dx": 6, "dw": 3, "db": 1}}}))
    root = base / "root"
    cmd = [str(installed), "homework", "gradescope", str(base / "out"), "--interface", "cs231n", "--weights",
           str(weights), "--timeout", "8", "--memory-mb", "1024", "--visibility", "after_due_date",
           "--test-visibility", "hidden", "--autograder-root", str(root)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=base, env=_env())
    assert out.returncode == 0, out.stderr
    return {"cmd": cmd, "out": base / "out", "root": root, "base": base}


def test_package_is_a_zip_of_scripts_wheel_lock_and_weights_and_is_not_overwritten(package):
    out = package["out"]
    with zipfile.ZipFile(out / "autograder.zip") as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.lock", "weights.json"} <= names
    assert any(n.startswith("gradproof-") and n.endswith(".whl") for n in names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    lock = (out / "requirements.lock").read_text().split()
    for dist in ("numpy", "sympy", "hypothesis", "rich", "mpmath"):
        from importlib.metadata import version

        assert f"{dist}=={version(dist)}" in lock
    setup = (out / "setup.sh").read_text()
    assert "|| true" not in setup and "set -euo pipefail" in setup
    assert setup.index("apt-get update") < setup.index("apt-get install")
    run = (out / "run_autograder").read_text()
    for opt in ("--timeout 8", "--memory-mb 1024", "--visibility after_due_date", "--test-visibility hidden",
                '--weights "$ROOT/source/weights.json"'):
        assert opt in run
    # a second run refuses, names what it would overwrite, and leaves the files alone; --force rewrites
    before = (out / "run_autograder").read_text() + "# hand edit\n"
    (out / "run_autograder").write_text(before)
    again = subprocess.run(package["cmd"], capture_output=True, text=True, env=_env())
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert (out / "run_autograder").read_text() == before
    forced = subprocess.run(package["cmd"] + ["--force"], capture_output=True, text=True, env=_env())
    assert forced.returncode == 0 and "# hand edit" not in (out / "run_autograder").read_text()


def _unpack(package, submission_files: dict) -> Path:
    root = package["root"]
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "source").mkdir(parents=True, exist_ok=True)
    for rel, src in submission_files.items():
        (root / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, root / "submission" / rel)
    return root


@pytest.fixture(scope="module")
def set_up(package):
    """setup.sh run once, as Gradescope runs it, in the temporary autograder root."""
    root = package["root"]
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(package["out"] / "autograder.zip") as z:
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    out = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, env=_env(),
                         cwd=root)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    # Gradescope copies run_autograder to the root and runs it from there
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def _grade(root) -> dict:
    out = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, env=_env(), cwd=root,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    validate_results_json(data)
    return data


def test_rehearsal_grades_a_correct_and_a_buggy_submission(package, set_up):
    root = _unpack(package, {"layers.py": EXAMPLES / "correct.py"})
    good = _grade(root)
    assert good["score"] == 40 and all(t["status"] == "passed" for t in good["tests"])
    assert good["visibility"] == "after_due_date" and {t["visibility"] for t in good["tests"]} == {"hidden"}
    # the weights file travelled with the package: dx is worth 6 of conv_backward_naive's 10 points
    assert {t["name"]: t["max_score"] for t in good["tests"]}["conv_backward_naive: dx"] == 6
    _unpack(package, {"layers.py": EXAMPLES / "mistake_db_batch.py"})
    bad = _grade(root)
    failed = {t["name"] for t in bad["tests"] if t["status"] == "failed"}
    assert failed == {"conv_backward_naive: db"} and bad["score"] < 40
    # the installed grader is closed to other users (it holds the reference answers)
    site = next((root / "venv" / "lib").glob("python*/site-packages"))
    assert (site / "checker").stat().st_mode & 0o077 == 0 and (root / "source").stat().st_mode & 0o077 == 0


def test_autograder_root_from_the_environment_overrides_the_baked_in_one(package, set_up, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "submission").mkdir(parents=True)
    for name in ("venv", "source"):  # a venv is not relocatable: the same one, reached from the other root
        (elsewhere / name).symlink_to(set_up / name)
    shutil.copy(EXAMPLES / "mistake_assign_pool.py", elsewhere / "submission" / "layers.py")
    shutil.rmtree(set_up / "results", ignore_errors=True)
    out = subprocess.run([str(set_up / "run_autograder")], capture_output=True, text=True, timeout=300,
                         env=dict(_env(), GRADPROOF_AUTOGRADER_ROOT=str(elsewhere)))
    assert out.returncode == 0, out.stderr[-2000:]
    assert not (set_up / "results").exists()
    data = json.loads((elsewhere / "results" / "results.json").read_text())
    validate_results_json(data)
    assert {t["name"] for t in data["tests"] if t["status"] == "failed"} == {"max_pool_backward_naive: dx"}


def test_rehearsal_cs231n_zip_layout_with_layers_in_a_subfolder(package, set_up, tmp_path):
    root = _unpack(package, {"cs231n/layers.py": EXAMPLES / "correct.py"})
    assert _grade(root)["score"] == 40
    _unpack(package, {"cs231n/layers.py": EXAMPLES / "mistake_no_bias.py"})
    assert {t["name"] for t in _grade(root)["tests"] if t["status"] == "failed"} >= {"conv_forward_naive: out"}


def test_wheel_packs_the_installed_modules_with_a_record_pip_accepts(tmp_path):
    wheel = gradescope.build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        record = z.read(next(n for n in names if n.endswith("/RECORD"))).decode()
    assert {"cli.py", "grading/gradescope.py", "checker/ops.py", "grading/selfcheck_runtime.py"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert all(line.split(",")[0] in names for line in record.splitlines())
