"""Batch grading: attacks do not take the batch down, and a killed batch resumes with nothing lost."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grading.batch import find_submissions, grade_batch, read_log, summary
from grading.sandbox import Limits

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"


def _folder(tmp_path, *names):
    d = tmp_path / "subs"
    d.mkdir()
    for n in names:
        shutil.copy(EX / n, d / Path(n).name)
    return d


def test_every_attack_scores_zero_and_the_batch_finishes(tmp_path):
    attacks = sorted(p.name for p in (EX / "attacks").glob("*.py"))
    assert len(attacks) >= 13
    d = _folder(tmp_path, "cs231n/correct.py", *(f"attacks/{a}" for a in attacks))
    # the pickle's payload touches a file if the grader ever unpickles it: one of this test's own, so that
    # a file left by anything else cannot decide the test
    pwned = tmp_path / "pwned"
    (d / "pickled.py").write_text((d / "pickled.py").read_text().replace("/tmp/gradproof-pwned", str(pwned)))
    assert str(pwned) in (d / "pickled.py").read_text()
    log = tmp_path / "log.jsonl"
    recs = grade_batch([d], "cs231n", log=log, jobs=2, limits=Limits(timeout_s=1.0, memory_mb=512))
    by = {Path(r["submission"]).name: r for r in recs}
    assert by["correct.py"]["score"] == 40.0
    assert {a: by[a]["score"] for a in attacks} == {a: 0 for a in attacks}
    assert len(read_log(log)) == len(attacks) + 1
    assert not (d / "results.json").exists() and not pwned.exists()
    assert summary(recs)["submissions"] == len(attacks) + 1


def test_killed_batch_resumes_with_nothing_lost(tmp_path, monkeypatch):

    # The killed grader cannot remove its sandbox folders, so it gets a temp dir of its own that the test
    # removes; /tmp/pytest-of-* is closed to the uids the children run as, hence one outside it.
    tmp = Path(tempfile.mkdtemp(prefix="gradproof-test-"))
    try:
        tmp.chmod(0o711)
        _killed_then_resumed(tmp_path, tmp, monkeypatch)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _killed_then_resumed(tmp_path, tmp, monkeypatch):
    d = _folder(tmp_path, "cs231n/correct.py", "cs231n/mistake_no_bias.py", "cs231n/mistake_db_batch.py")
    log = tmp_path / "log.jsonl"
    cmd = [sys.executable, str(ROOT / "cli.py"), "grade", str(d), "--jobs", "1", "--log", str(log), "--format", "json",
           "-o", str(tmp_path / "out.json")]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": str(tmp)})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (log.exists() and log.read_text().count("\n") >= 1):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = read_log(log)
    # how many finished before the kill depends on timing; what resume must do with them does not
    assert len(first) >= 1
    with open(log, "a") as fh:
        fh.write('{"submission": "cut short by the ki')  # a line half-written when the kill came
    left_by_kill = set(tmp.glob("gradproof-sub-*"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # the resumed grader's sandbox folders go there too
    graded = []
    recs = grade_batch([d], "cs231n", log=log, jobs=1, resume=True, on_result=graded.append)
    assert len(graded) == 3 - len(first)
    assert {r["submission"] for r in recs} == {str(p) for p in find_submissions([d])}
    scores = {Path(r["submission"]).name: r["score"] for r in recs}
    assert scores["correct.py"] == 40.0 and scores["mistake_no_bias.py"] == 30.0
    assert json.loads(json.dumps(recs))  # plain data all the way down
    assert set(tmp.glob("gradproof-sub-*")) == left_by_kill  # a grader that is not killed removes its own


def test_a_missing_path_is_named_as_missing(capsys):
    import cli

    assert cli.main(["grade", "/nonexistent/sub.py"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "gradproof: error: PATH /nonexistent/sub.py does not exist"
    assert cli.main(["grade", "/nonexistent/subs"]) == 2
    assert capsys.readouterr().err.strip() == "gradproof: error: PATH /nonexistent/subs does not exist"


def test_every_subfolder_appears_in_the_results(tmp_path, capsys):
    import cli

    d = _folder(tmp_path, "cs231n/correct.py")
    for name in ("notes", "data", "alice"):
        (d / name).mkdir()
    (d / "alice" / "cs231n").mkdir()
    (d / "alice" / "cs231n" / "layers.py").write_text((EX / "cs231n" / "correct.py").read_text())
    skipped = []
    assert [p.name for p in find_submissions([d], skipped)] == ["alice", "correct.py", "data", "notes"]
    assert sorted(p.name for p in skipped) == ["data", "notes"]
    out = tmp_path / "grades.json"
    assert cli.main(["grade", str(d), "--format", "json", "-o", str(out), "--log", str(tmp_path / "l.jsonl")]) == 0
    err = capsys.readouterr().err
    assert err.count("2 subfolders") == 1
    recs = {Path(r["submission"]).name: r for r in json.loads(out.read_text())}
    assert recs["alice"]["score"] == recs["correct.py"]["score"] == 40.0  # found in alice/cs231n/layers.py
    for name in ("data", "notes"):
        assert recs[name]["score"] == 0 and recs[name]["status"] == f"not graded: {d / name}: holds no .py file"


def test_a_folder_with_nothing_gradable_is_an_error(tmp_path, capsys):
    import cli

    for name in ("a", "b"):
        (tmp_path / "dir" / name).mkdir(parents=True)
    assert cli.main(["grade", str(tmp_path / "dir"), "--log", str(tmp_path / "l.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "dir") in err and "no submissions" in err, err
    assert not (tmp_path / "l.jsonl").exists()


def test_resume_regrades_when_what_decides_the_grade_changes(tmp_path, monkeypatch):
    """Stale grades: a changed file, interface, weights or option is graded again; paths are one submission."""
    from grading import resume
    from grading.score import Weights

    d = _folder(tmp_path, "cs231n/correct.py", "cs231n/mistake_no_bias.py")
    log = tmp_path / "log.jsonl"
    first = grade_batch([d], "cs231n", log=log, jobs=1)
    assert {r["key"] for r in first} and all(r["path"] == str(Path(r["submission"]).resolve()) for r in first)
    graded = []

    def again(paths=(d,), **kw):
        graded.clear()
        kw.setdefault("resume", True)
        return grade_batch(list(paths), kw.pop("interface", "cs231n"), log=log, jobs=1, on_result=graded.append, **kw)

    again()
    assert graded == []                                   # nothing changed: nothing graded
    monkeypatch.chdir(tmp_path)
    recs = again(paths=(os.path.relpath(d, tmp_path),))  # the same folder, given relatively
    assert graded == [] and len(recs) == 2
    assert all(not Path(r["submission"]).is_absolute() for r in recs)  # shown as given now
    heavy = Weights(parts={"conv_backward_naive": {"dx": 6, "dw": 3, "db": 1}})
    recs = again(weights=heavy)
    assert len(graded) == 2 and {f["max_points"] for r in recs for f in r["functions"]} == {10.0}
    again(weights=heavy)
    assert graded == []
    again(weights=heavy, fd_credit=True)
    assert len(graded) == 2                               # an option that changes a verdict
    sub = d / "mistake_no_bias.py"
    sub.write_bytes((ROOT / "examples" / "cs231n" / "correct.py").read_bytes())  # the student's file changed
    recs = again(fd_credit=True, weights=heavy)
    assert [Path(r["submission"]).name for r in graded] == ["mistake_no_bias.py"]
    assert {Path(r["submission"]).name: r["score"] for r in recs} == {"correct.py": 40.0, "mistake_no_bias.py": 40.0}
    recs = again(interface="native", fd_credit=True, weights=Weights())
    assert len(graded) == 2 and {r["interface"] for r in recs} == {"native"}
    recs = again(interface="native", fd_credit=True, weights=Weights(), regrade=[str(sub)])
    assert [Path(r["submission"]).name for r in graded] == ["mistake_no_bias.py"]
    # every line of the log is one grading; the latest line of a path is the one reused
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == 2 + 2 + 2 + 1 + 2 + 1
    assert resume.reusable(lines, {str(sub): lines[-1]["key"]})[str(sub)]["key"] == lines[-1]["key"]


def test_regrade_one_student_from_the_command_line(tmp_path, capsys):
    import cli

    d = _folder(tmp_path, "cs231n/correct.py", "cs231n/mistake_db_batch.py")
    log, out = tmp_path / "log.jsonl", tmp_path / "out.json"
    args = ["grade", str(d), "--jobs", "1", "--log", str(log), "--format", "json", "-o", str(out)]
    assert cli.main(args) == 0 and len(log.read_text().splitlines()) == 2
    assert cli.main(args + ["--regrade", str(d / "mistake_db_batch.py")]) == 0
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == 3 and Path(lines[-1]["submission"]).name == "mistake_db_batch.py"
    assert len(json.loads(out.read_text())) == 2
    assert cli.main(args + ["--regrade", str(tmp_path / "elsewhere.py")]) == 2
    assert "--regrade" in capsys.readouterr().err and len(log.read_text().splitlines()) == 3
