"""The sandbox child: every attack ends as a failed call, never as a result, and never harms the grader."""
import os

import numpy as np
import pytest

from grading.sandbox import Limits, Sandbox, isolation, run_function

FAST = Limits(timeout_s=3.0, memory_mb=512)


def run(body, limits=FAST, value=None):
    src = "import numpy as np\nimport os, sys\n\ndef f(x):\n" + "\n".join("    " + l for l in body.splitlines())
    return run_function({"sub.py": src.encode()}, "sub", "f", [{"args": [{"a": "x"}], "nout": 1}],
                        {"0.x": np.arange(4.0) if value is None else value}, limits)


def test_honest_function_returns_arrays_and_inputs():
    r = run("print('hello')\nreturn x * 2")
    assert np.array_equal(r.results[0]["r0"], np.arange(4.0) * 2)
    assert np.array_equal(r.results[0]["in.x"], np.arange(4.0))
    assert r.output == "hello\n" and r.fatal is None


@pytest.mark.parametrize("body, words", [
    ("os.kill(os.getppid(), 9)", "os.kill is not allowed"),
    ("os.fork()", "os.fork is not allowed"),
    ("import subprocess\nsubprocess.run(['true'])", "subprocess.Popen is not allowed"),
    ("import checker", "importing checker is not allowed"),
    ("import torch", "importing torch is not allowed"),
    ("sys.exit(0)", "SystemExit"),
    ("return np.array([object()])", "not a numeric array"),
])
def test_forbidden_actions_fail_the_call(body, words):
    r = run(body)
    assert "r0" not in r.results.get(0, {})  # a value that is no array leaves only the inputs' echo
    assert words in r.errors[0]


def test_infinite_loop_times_out_on_its_cpu_budget():
    r = run("while True: pass", Limits(timeout_s=1.0, memory_mb=512))
    assert not r.results and "timed out: used its 1 s of CPU time" in (r.fatal or r.errors[0]) and r.seconds < 5


def test_a_child_that_only_waits_is_stopped_by_the_wall_clock_backstop():
    import time

    lim = Limits(timeout_s=0.5, memory_mb=512)
    start = time.monotonic()
    r = run("import time\ntime.sleep(60)\nreturn x", lim)
    assert not r.results and "timed out after 2.5 s of wall-clock time" in r.fatal
    assert lim.wall_s <= time.monotonic() - start < 30


def test_a_busy_machine_does_not_time_out_a_function_within_its_cpu_budget():
    # wall time past the CPU budget (waiting stands in for a machine busy with other work), CPU well within it
    r = run("import time\ntime.sleep(1.5)\nreturn x * 2", Limits(timeout_s=1.0, memory_mb=512))
    assert np.array_equal(r.results[0]["r0"], np.arange(4.0) * 2)


def test_flood_is_cut_and_never_blocks():
    r = run("while True: print('x' * 10000)", Limits(timeout_s=1.0, memory_mb=512, output_bytes=1000))
    assert not r.results and len(r.output) < 1100 and r.output.endswith("[output cut]")


def test_memory_bomb_hits_the_limit():
    r = run("hog = np.ones(10**9)\nreturn x")
    assert "MemoryError" in r.errors[0]


def test_os_exit_zero_is_not_a_pass():
    r = run("os._exit(0)")
    assert not r.results and "before returning every result" in r.fatal


def test_forged_pickle_frame_is_rejected(tmp_path):
    body = ("import io, json, pickle\nb = io.BytesIO()\nnp.save(b, np.array([1], dtype=object), allow_pickle=True)\n"
            "d = b.getvalue()\nh = json.dumps({'i': 0, 'arrays': [['r0', len(d)]], 'error': None}).encode()\n"
            "for fd in range(3, 64):\n    try:\n        os.write(fd, b'GPF1 ' + h + b'\\n' + d)\n"
            "    except OSError:\n        pass\nreturn x")
    r = run(body)
    assert 0 not in r.results or "r0" not in r.results[0]
    assert any("unreadable" in e or "allow_pickle" in e for e in r.errors.values())


@pytest.mark.parametrize("body, words", [("return x * 2", None), ("os.kill(os.getppid(), 9)", "os.kill is not allowed"),
                                         ("while True: pass", "timed out")])
def test_spawn_mode_behaves_like_the_fork_server(body, words):
    r = run(body, Limits(timeout_s=2.0, memory_mb=512, mode="spawn"))
    if words is None:
        assert np.array_equal(r.results[0]["r0"], np.arange(4.0) * 2)
    else:
        assert 0 not in r.results and words in (r.errors.get(0) or r.fatal)


def test_a_dead_fork_server_is_replaced():
    from grading.forkserver import ForkServer

    run("return x")
    ForkServer._current.proc.kill()
    ForkServer._current.proc.wait()
    assert np.array_equal(run("return x + 1").results[0]["r0"], np.arange(4.0) + 1)


def test_limits_reject_bad_values():
    with pytest.raises(ValueError, match="mode"):
        Limits(mode="thread")
    with pytest.raises(ValueError, match="timeout_s"):
        Limits(timeout_s=0)


def test_grader_source_and_other_files_cannot_be_read():
    import checker.ops

    r = run(f"open({checker.ops.__file__!r}).read()\nreturn x")
    # the tripwire refuses it; in namespace mode a checkout under /tmp is not even there (a private /tmp)
    assert "not allowed" in r.errors[0] or ("FileNotFoundError" in r.errors[0] and isolation(FAST) == "namespace")
    r = run("open('/etc/hostname').read()\nreturn x")
    assert "not allowed" in r.errors[0]
    assert np.array_equal(run("import json, os\nopen('notes.txt', 'w').write('ok')\nreturn x").results[0]["r0"],
                          np.arange(4.0))  # its own working directory is fine


def test_a_submission_named_like_a_stdlib_module_still_loads():
    r = run_function({"copy.py": b"def f(x):\n    return x * 3\n"}, "copy", "f", [{"args": [{"a": "x"}], "nout": 1}],
                     {"0.x": np.ones(2)}, FAST)
    assert np.array_equal(r.results[0]["r0"], np.full(2, 3.0))


def test_an_allowed_framework_is_not_blocked():
    src = b"def f(x):\n    import autograd\n    return x\n"
    call = [{"args": [{"a": "x"}], "nout": 1}]
    blocked = run_function({"s.py": src}, "s", "f", call, {"0.x": np.ones(1)}, FAST)
    allowed = run_function({"s.py": src}, "s", "f", call, {"0.x": np.ones(1)}, FAST, blocked=("checker",))
    assert "not allowed" in blocked.errors[0]
    assert "not allowed" not in allowed.errors.get(0, "")  # ModuleNotFoundError here, or a result


def test_an_interrupted_run_leaves_no_copy_of_the_submission(monkeypatch):
    from grading import sandbox

    made = []
    real = sandbox.tempfile.mkdtemp
    monkeypatch.setattr(sandbox.tempfile, "mkdtemp", lambda **kw: made.append(real(**kw)) or made[-1])

    def interrupted(*args):
        raise KeyboardInterrupt  # Ctrl-C while the grader waits on the child

    monkeypatch.setattr(sandbox, "_drain", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run("return x")
    assert len(made) == 1 and not os.path.exists(made[0])


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


# --- the import policy and the self-test, in the real sandbox (as root here and on CI: namespace mode) ------
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


def test_a_missing_package_is_named_with_what_the_instructor_can_do():
    src = b"import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (8, 6)\ndef f(x):\n    return x * 2\n"
    call = [{"args": [{"a": "x"}], "nout": 1}]
    r = run_function({"s.py": src}, "s", "f", call, {"0.x": np.ones(2)}, FAST)
    assert "No module named 'matplotlib'" in r.fatal and "--stub matplotlib" in r.fatal
    stubbed = run_function({"s.py": src}, "s", "f", call, {"0.x": np.ones(2)},
                           Limits(timeout_s=3.0, memory_mb=512, stubs=("matplotlib",)))
    assert stubbed.fatal is None and np.array_equal(stubbed.results[0]["r0"], np.full(2, 2.0))
    with pytest.raises(ValueError, match="stubs"):
        Limits(stubs=("torch",))  # a stub never stands in for a blocked framework


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


@pytest.mark.parametrize("name", ["torch", "not a name"])
def test_stub_refuses_a_blocked_or_malformed_name_in_one_line(name, capsys):
    import cli

    assert cli.main(["grade", __file__, "--stub", name]) == 2
    assert capsys.readouterr().err.strip() == (f"gradproof: error: --stub takes the name of a package that is not "
                                               f"blocked, got {name!r}")
