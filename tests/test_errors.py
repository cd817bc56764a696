"""One error type for a user's mistake: cli.py reports a GradproofError in one line (exit 2) and anything
else as a bug in gradproof, with its traceback and a request to report it (exit 70)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from commands import check as check_command
from derivations._validate import GradproofError

ROOT = Path(__file__).resolve().parent.parent


def _raising(exc):
    def command(args):
        raise exc
    return command


@pytest.mark.parametrize("exc", [GradproofError("examples must be a whole number >= 1, got 0"),
                                 cli.UserError("--jobs must be >= 1, got 0")])
def test_a_user_mistake_is_one_line_and_exit_2(monkeypatch, capsys, exc):
    monkeypatch.setattr(check_command, "run", _raising(exc))
    assert cli.main(["check", "conv"]) == 2
    err = capsys.readouterr().err
    assert err == f"gradproof: error: {exc}\n"


@pytest.mark.parametrize("exc", [ValueError("operands could not be broadcast together"), KeyError("x"),
                                 RuntimeError("boom"), AssertionError()])
def test_any_other_exception_is_a_bug_with_its_traceback(monkeypatch, capsys, exc):
    # a plain ValueError too: only GradproofError says "the user's mistake"; a library bug must be reported
    monkeypatch.setattr(check_command, "run", _raising(exc))
    assert cli.main(["check", "conv", "--seed", "3"]) == cli.EXIT_BUG == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert f"{type(exc).__name__}" in err and "_raising" not in err.splitlines()[-1]
    last = err.strip().splitlines()[-1]
    assert "bug in gradproof" in last and "report" in last
    assert "(gradproof check conv --seed 3)" in last  # the command line as the user typed it


def test_ctrl_c_exits_130(monkeypatch, capsys):
    monkeypatch.setattr(check_command, "run", _raising(KeyboardInterrupt()))
    assert cli.main(["check", "conv"]) == 130
    assert capsys.readouterr().err == ""


def test_an_unknown_language_from_the_environment_is_a_user_mistake():
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "GRADPROOF_LANG": "fr"}
    r = subprocess.run([sys.executable, "cli.py", "derive", "conv", "--input", "3x3", "--kernel", "2x2"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == ["gradproof: error: lang must be one of 'en', 'zh', got 'fr'"]


def test_a_reader_that_leaves_is_neither_a_bug_nor_a_mistake():
    # `gradproof derive ... | head`: the pipe closes before the document is written
    p = subprocess.Popen([sys.executable, "cli.py", "derive", "conv", "--input", "4x4", "--kernel", "3x3",
                          "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, "NO_COLOR": "1"})
    p.stdout.close()  # long before SymPy is loaded and the first byte is written
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141, err
    assert err == ""


def test_a_closed_pipe_in_process_is_141_too(monkeypatch, capsys):
    # main() called from Python, stdout a StringIO with no file descriptor: still no traceback
    monkeypatch.setattr(check_command, "run", _raising(BrokenPipeError()))
    assert cli.main(["check", "conv"]) == 141
    assert capsys.readouterr().err == ""
