"""The sandbox child: every attack ends as a failed call, never as a result, and never harms the grader."""
import os

import numpy as np
import pytest

from grading.sandbox import Limits, isolation, run_function

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


@pytest.mark.parametrize("name", ["torch", "not a name"])
def test_stub_refuses_a_blocked_or_malformed_name_in_one_line(name, capsys):
    import cli

    assert cli.main(["grade", __file__, "--stub", name]) == 2
    assert capsys.readouterr().err.strip() == (f"gradproof: error: --stub takes the name of a package that is not "
                                               f"blocked, got {name!r}")
