"""Batch grading: attacks do not take the batch down, and a killed batch resumes with nothing lost."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from checker.grading.batch import find_submissions, grade_batch, read_log, summary
from checker.grading.sandbox import Limits

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"


def _folder(tmp_path, *names):
    d = tmp_path / "subs"
    d.mkdir()
    for n in names:
        shutil.copy(EX / n, d / Path(n).name)
    return d


def test_attacks_score_zero_and_the_batch_finishes(tmp_path):
    d = _folder(tmp_path, "cs231n/correct.py", "attacks/kill_parent.py", "attacks/infinite_loop.py",
                "attacks/print_pass.py")
    log = tmp_path / "log.jsonl"
    recs = grade_batch([d], "cs231n", log=log, jobs=2, limits=Limits(timeout_s=1.5, memory_mb=512))
    by = {Path(r["submission"]).name: r for r in recs}
    assert by["correct.py"]["score"] == 40.0
    assert by["kill_parent.py"]["score"] == by["infinite_loop.py"]["score"] == by["print_pass.py"]["score"] == 0
    assert len(read_log(log)) == 4
    assert not (d / "results.json").exists()
    assert summary(recs)["submissions"] == 4


def test_killed_batch_resumes_with_nothing_lost(tmp_path):
    d = _folder(tmp_path, "cs231n/correct.py", "cs231n/mistake_no_bias.py", "cs231n/mistake_db_batch.py")
    log = tmp_path / "log.jsonl"
    cmd = [sys.executable, str(ROOT / "cli.py"), "grade", str(d), "--jobs", "1", "--log", str(log), "--format", "json",
           "-o", str(tmp_path / "out.json")]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (log.exists() and log.read_text().count("\n") >= 1):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = read_log(log)
    assert 1 <= len(first) < 3
    with open(log, "a") as fh:
        fh.write('{"submission": "cut short by the ki')  # a line half-written when the kill came
    graded = []
    recs = grade_batch([d], "cs231n", log=log, jobs=1, resume=True, on_result=graded.append)
    assert len(graded) == 3 - len(first)
    assert {r["submission"] for r in recs} == {str(p) for p in find_submissions([d])}
    scores = {Path(r["submission"]).name: r["score"] for r in recs}
    assert scores["correct.py"] == 40.0 and scores["mistake_no_bias.py"] == 30.0
    assert json.loads(json.dumps(recs))  # plain data all the way down
