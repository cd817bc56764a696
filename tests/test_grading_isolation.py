"""The boundary a child runs behind: a uid of its own (as root), private namespaces where the host has them,
and a warning when the grader's own packages are readable by the child's uid."""
import os

import numpy as np
import pytest

from grading.sandbox import Limits, run_function
from test_grading_sandbox import run

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="uid separation exists only when the grader runs as root")

# Each try counts 1 if the attack got through. The pidfd calls raise no audit event and a hard link
# opens nothing, so these reach the kernel whatever the tripwire does: only the per-child uid stops them.
_ATTACK = """import signal, __main__
__main__.READABLE, __main__.BLOCKED_EVENTS = ('/',), ('no such event',)
got = []
def attempt(act):
    try:
        act()
        got.append(1)
    except OSError:
        got.append(0)
def read(path):
    with open(path, 'rb') as fh:
        fh.read()
attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(int(x[0])), signal.SIGKILL))
attempt(lambda: os.kill(int(x[0]), signal.SIGKILL))
attempt(lambda: (os.link(SIBLING, 'stolen.py'), read('stolen.py')))
attempt(lambda: (os.link(SECRET, 'secret'), read('secret')))
attempt(lambda: read(SECRET))
return np.array(got, dtype=float)"""


def _sibling_pid(marker: str, deadline: float) -> tuple[int, str]:
    """The pid and workdir of the running child whose workdir holds ``marker``."""
    import time

    while time.monotonic() < deadline:
        for p in filter(str.isdigit, os.listdir("/proc")):
            try:
                cwd = os.readlink(f"/proc/{p}/cwd")
            except OSError:
                continue
            if os.path.exists(os.path.join(cwd, marker)):
                return int(p), cwd
        time.sleep(0.05)
    raise AssertionError(f"no child with {marker} in its workdir")


@ROOT_ONLY
def test_a_child_that_defeats_the_tripwire_cannot_touch_a_sibling_or_a_private_file(tmp_path):
    import threading
    import time

    secret = tmp_path / "secret"
    secret.write_text("reference answers")
    secret.chmod(0o600)
    sibling = {}
    files = {"sibling_marker.py": b"", "sub.py": b"import time\ndef f(x):\n    time.sleep(4)\n    return x\n"}
    slow = threading.Thread(target=lambda: sibling.update(run=run_function(
        files, "sub", "f", [{"args": [{"a": "x"}], "nout": 1}], {"0.x": np.arange(4.0)},
        Limits(timeout_s=20.0, memory_mb=512, isolation="uid"))))  # namespace mode: tests/test_attack_*.py
    slow.start()
    pid, cwd = _sibling_pid("sibling_marker.py", time.monotonic() + 10)
    body = f"SIBLING, SECRET = {os.path.join(cwd, 'sub.py')!r}, {str(secret)!r}\n" + _ATTACK
    r = run(body, Limits(timeout_s=5.0, memory_mb=512, isolation="uid"), value=np.array([float(pid)]))
    slow.join()
    assert r.fatal is None and 0 in r.results, (r.fatal, r.errors)
    assert r.results[0]["r0"].tolist() == [0, 0, 0, 0, 0]
    assert np.array_equal(sibling["run"].results[0]["r0"], np.arange(4.0))  # the sibling lived to answer


@ROOT_ONLY
def test_a_child_runs_as_a_uid_of_its_own_in_a_private_workdir():
    body = "st = os.stat('.')\nreturn np.array([os.getuid(), os.getgid(), st.st_uid, st.st_mode & 0o777], dtype=float)"
    a, b = (run(body).results[0]["r0"].astype(int).tolist() for _ in range(2))
    assert a[0] == a[1] == a[2] >= 2_000_000 and a[3] == 0o700
    assert a[0] != b[0]


@ROOT_ONLY
def test_the_graders_package_is_out_of_reach_once_it_is_not_readable_by_others(tmp_path):
    # Gradescope's layout: the grader installed under sys.prefix, which the tripwire lets a child read.
    # A submission that takes out the import blocker then meets only the files' permissions.
    import shutil
    import subprocess
    import sys
    import tempfile

    # The test needs an interpreter prefix that other users can reach (as a system install or Gradescope's
    # is). Under a private (0700) parent every child is already locked out and there is nothing to show.
    parts = os.path.abspath(sys.prefix).split(os.sep)
    hidden = [p for p in (os.sep.join(parts[:i]) or os.sep for i in range(2, len(parts) + 1))
              if not os.stat(p).st_mode & 0o001]
    if hidden:
        pytest.skip(f"{hidden[0]} is not searchable by other users, so no child can reach sys.prefix at all")
    site = tempfile.mkdtemp(prefix="gradproof-test-site-", dir=sys.prefix)
    try:
        os.chmod(site, 0o755)
        os.makedirs(os.path.join(site, "checker"), mode=0o755)
        for name in ("__init__.py", "ops.py"):
            with open(os.path.join(site, "checker", name), "w") as fh:
                fh.write("ANSWER = 42\n")
            os.chmod(os.path.join(site, "checker", name), 0o644)
        body = (f"sys.meta_path[:] = [m for m in sys.meta_path if type(m).__name__ != 'Blocker']\n"
                f"sys.path.insert(0, {site!r})\n"
                "try:\n    import checker.ops\n    return np.array([checker.ops.ANSWER], dtype=float)\n"
                "except (ImportError, OSError, AttributeError):\n    return np.array([0.0])")
        # AttributeError: the planted copy was out of reach and the import found the checkout's own checker
        # (an editable install in a folder others can read; the grader warns about that, see below)
        uid_mode = Limits(timeout_s=3.0, memory_mb=512, isolation="uid")  # namespace mode hides the folder
        assert run(body, uid_mode).results[0]["r0"].tolist() == [42.0]  # readable: the blocker alone did not hold
        subprocess.run(["chmod", "-R", "go-rwx", os.path.join(site, "checker")], check=True)  # what setup.sh does
        assert run(body, uid_mode).results[0]["r0"].tolist() == [0.0]
    finally:
        shutil.rmtree(site, ignore_errors=True)


def test_readable_grader_packages_are_found_and_warned_about_once(tmp_path, monkeypatch, capsys):
    import sys

    from grading import isolation

    for name, mode in (("openpkg", 0o755), ("closedpkg", 0o700)):
        (tmp_path / name).mkdir(mode=mode)
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name).chmod(mode)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(isolation, "GRADER_PACKAGES", ("openpkg", "closedpkg"))
    assert isolation.readable_packages() == [str(tmp_path / "openpkg")]
    monkeypatch.setattr(isolation, "_warned", [])
    uid_mode = Limits(timeout_s=3.0, memory_mb=512, isolation="uid")  # namespace mode hides them: no warning
    run("return x", uid_mode)
    run("return x", uid_mode)
    run("return x")
    err = capsys.readouterr().err
    assert err.count("readable by other users") == (1 if os.geteuid() == 0 else 0)
    assert "closedpkg" not in err
    sys.modules.pop("openpkg", None), sys.modules.pop("closedpkg", None)


NAMESPACE = pytest.mark.skipif(os.geteuid() != 0 or not __import__("grading.sandbox").sandbox.namespaces_available(),
                               reason="namespace mode needs root on Linux with namespaces")


@NAMESPACE
def test_a_namespaced_child_sees_only_python_and_its_own_files(tmp_path):
    import grading

    marker = tmp_path / "host-marker"
    marker.write_text("x")
    checkout = os.path.dirname(os.path.dirname(grading.__file__))
    probes = ["/etc/passwd", str(marker), os.path.dirname(grading.__file__), os.path.join(checkout, "tests"),
              os.path.join(checkout, "README.md"), "/root/.bashrc"]
    body = (f"probes = {probes!r}\n"
            "seen = [float(os.path.exists(p)) for p in probes]\n"
            "return np.array(seen + [os.getpid(), float(os.path.exists(os.__file__))])")
    got = run(body).results[0]["r0"].tolist()
    assert got == [0.0] * len(probes) + [1.0, 1.0]  # nothing of the host but Python; process 1 of its own
