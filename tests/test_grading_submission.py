"""Reading a submission as hostile input: no links followed, regular files only, caps; finding the module."""
import os
from pathlib import Path

import pytest

from grading.grade import grade_submission
from grading.submission import load_submission
from grading.submission import MAX_DEPTH, MAX_FILE_BYTES, find_module, read_python_files

EX = Path(__file__).resolve().parents[1] / "examples"
CORRECT = (EX / "cs231n" / "correct.py").read_text()


def _sub(tmp_path, files):
    d = tmp_path / "sub"
    for rel, text in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text)
    return d


def test_a_submission_in_a_subfolder_is_found_and_imports_its_neighbours(tmp_path):
    layers = CORRECT.replace("import numpy as np", "import numpy as np\nfrom cs231n.helper import ONE\nimport helper", 1)
    d = _sub(tmp_path, {"README.md": "hi", "cs231n/__init__.py": "", "cs231n/helper.py": "ONE = 1\n",
                        "cs231n/layers.py": layers, "cs231n/classifiers/cnn.py": "import numpy\n"})
    sub = load_submission(d, "cs231n")
    files, module = sub.files, sub.module
    assert module == "cs231n/layers" and set(files) == {"cs231n/__init__.py", "cs231n/helper.py", "cs231n/layers.py",
                                                        "cs231n/classifiers/cnn.py"}
    r = grade_submission(d, "cs231n")
    assert r.score == 40.0, [f.error for f in r.functions]


def test_two_candidates_or_none_are_named(tmp_path):
    d = _sub(tmp_path, {"a/layers.py": CORRECT, "b/layers_old.py": CORRECT})
    with pytest.raises(ValueError, match=r"2 files define the functions \(a/layers.py, b/layers_old.py\)"):
        load_submission(d, "cs231n")
    d2 = _sub(tmp_path / "x", {"one.py": "x = 1\n", "two.py": "y = 2\n"})
    with pytest.raises(ValueError, match=r"no .py file defines any of conv_forward_naive.*\(found one.py, two.py\)"):
        load_submission(d2, "cs231n")
    r = grade_submission(d, "cs231n")
    assert r.score == 0 and "a/layers.py, b/layers_old.py" in r.status


def test_the_file_defining_the_most_functions_wins():
    files = {"layers.py": b"def conv_forward_naive(x):\n  pass\ndef max_pool_forward_naive(x):\n  pass\n",
             "test_it.py": b"def conv_forward_naive(x):\n  pass\n"}
    assert find_module(files, ["conv_forward_naive", "max_pool_forward_naive"], "layers.py") == "layers"


@pytest.mark.parametrize("target", ["secret", "/dev/zero", "fifo"])
def test_a_linked_or_special_py_file_refuses_the_submission_without_reading_it(tmp_path, target):
    d = _sub(tmp_path, {"layers.py": CORRECT})
    secret = tmp_path / "secret"
    secret.write_text("TOP SECRET")
    secret.chmod(0o600)
    if target == "fifo":
        os.mkfifo(d / "helper.py")
    else:
        os.symlink(secret if target == "secret" else target, d / "helper.py")
    with pytest.raises(ValueError, match="helper.py is (a symbolic link|not a regular file)"):
        read_python_files(d)
    r = grade_submission(d, "cs231n")  # returns at once: a FIFO is never waited on
    assert r.score == 0 and "helper.py" in r.status and "TOP SECRET" not in str(r.to_dict())


def test_links_that_are_not_python_are_never_followed(tmp_path):
    d = _sub(tmp_path, {"layers.py": CORRECT})
    os.symlink("/", d / "everything")
    os.symlink("/etc/hostname", d / "notes.txt")
    assert set(read_python_files(d)) == {"layers.py"}


def test_hard_links_large_files_and_deep_trees_are_refused(tmp_path):
    d = _sub(tmp_path, {"layers.py": CORRECT})
    os.link(d / "layers.py", tmp_path / "elsewhere.py")
    with pytest.raises(ValueError, match="layers.py has 2 hard links"):
        read_python_files(d)
    big = _sub(tmp_path / "big", {"layers.py": "#" * (MAX_FILE_BYTES + 1)})
    with pytest.raises(ValueError, match="larger than"):
        read_python_files(big)
    deep = tmp_path / "deep"
    (deep / Path(*["d"] * (MAX_DEPTH + 2))).mkdir(parents=True)
    with pytest.raises(ValueError, match="folders deep"):
        read_python_files(deep)


def test_a_single_linked_file_is_refused(tmp_path):
    real = tmp_path / "real.py"
    real.write_text(CORRECT)
    os.symlink(real, tmp_path / "layers.py")
    with pytest.raises(ValueError, match="layers.py is a symbolic link"):
        read_python_files(tmp_path / "layers.py")
