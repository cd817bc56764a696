"""Attack class: unsafe outputs. In a world-writable folder a student plants a link or a FIFO where the
instructor's report or log will go: the report replaces the plant (never writes through it), the log
refuses it, and both are private (0600)."""
import os
import stat
import threading

import pytest

import cli
from attack_kit import CORRECT, write


@pytest.fixture
def shared(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o1777)
    victim = tmp_path / "victim.txt"
    victim.write_text("the instructor's other file")
    return d, victim


def _grade(*argv):
    return cli.main(["grade", *map(str, argv)])


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_planted_link_at_the_report_is_replaced_not_followed(tmp_path, shared, fmt):
    d, victim = shared
    sub = write(tmp_path / "subs", {"a.py": CORRECT})
    os.symlink(victim, d / "grades.out")
    assert _grade(sub, "--format", fmt, "-o", d / "grades.out", "--log", tmp_path / "l.jsonl") == 0
    assert victim.read_text() == "the instructor's other file"
    st = os.lstat(d / "grades.out")
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert "40" in (d / "grades.out").read_text()


def test_a_planted_fifo_at_the_report_never_blocks(tmp_path, shared):
    d, _ = shared
    sub = write(tmp_path / "subs", {"a.py": CORRECT})
    os.mkfifo(d / "grades.json")
    done = []
    t = threading.Thread(target=lambda: done.append(_grade(sub, "--format", "json", "-o", d / "grades.json",
                                                          "--log", tmp_path / "l.jsonl")), daemon=True)
    t.start()
    t.join(120)
    assert done == [0] and stat.S_ISREG(os.lstat(d / "grades.json").st_mode)


@pytest.mark.parametrize("plant", ["link", "fifo"])
def test_a_planted_log_is_refused_or_replaced_never_followed(tmp_path, shared, plant, capsys):
    d, victim = shared
    sub = write(tmp_path / "subs", {"a.py": CORRECT})
    log = d / "grades.jsonl"
    os.symlink(victim, log) if plant == "link" else os.mkfifo(log)
    assert _grade(sub, "--format", "json", "-o", tmp_path / "g.json", "--log", log) == 0  # a new batch: replaced
    assert victim.read_text() == "the instructor's other file"
    assert stat.S_IMODE(os.lstat(log).st_mode) == 0o600 and stat.S_ISREG(os.lstat(log).st_mode)
    os.unlink(log)
    os.symlink(victim, log) if plant == "link" else os.mkfifo(log)
    assert _grade(sub, "--format", "json", "-o", tmp_path / "g.json", "--log", log, "--resume") == 2
    assert "cannot be read safely" in capsys.readouterr().err  # --resume reads it: a plant is refused by name
    assert victim.read_text() == "the instructor's other file"


