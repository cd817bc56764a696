"""The README's Python examples run as written (a README that lies is worse than none)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert len(first) == 2
    assert first[0].endswith("python cli.py") and "pytest" in first[1]


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_block_runs(code):
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]


def test_the_pytest_example_runs_under_pytest_as_written(tmp_path):
    # the "In your own tests" block, taken from README.md as it stands, saved as a test file and run by pytest
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## In your own tests", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "@given" in code and "\ntest_my_conv_backward()" not in code  # a test, not a module-level call
    (tmp_path / "test_my_layer.py").write_text(code, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HYPOTHESIS_PROFILE="default")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]


def test_where_things_are_names_every_room_in_one_line():
    # every top-level folder of the checkout (and cli.py) has its one line, and no line names a room that is gone
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"^- `([^`]+)`: .+$", section, re.M)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout: the rooms cannot be listed")
    rooms = {f.split("/")[0] + "/" for f in tracked if "/" in f} | {"cli.py"}
    assert sorted(named) == sorted(rooms), (sorted(named), sorted(rooms))
