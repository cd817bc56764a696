"""Attack class: spoiling a batch. A worker that dies (the OOM killer, a kill) charges only the
submission that killed it, found by grading the suspects alone; --resume grades again what did not
finish for good; killing the batch process leaves no worker, fork server or child behind."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from attack_kit import CORRECT, LIMITS, ROOT, write
from grading import batch
from grading.batch import grade_batch, read_log
from grading.sandbox import remove_tree


_REAL_GRADE_ONE = batch._grade_one


def killing_grade_one(path, *args):
    """Module level, so that the pool can pickle it by name (its forked workers see the monkeypatch)."""
    if "culprit" in path:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does to a worker
    return _REAL_GRADE_ONE(path, *args)


def test_a_dying_worker_charges_only_its_own_submission(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_grade_one", killing_grade_one)
    names = {f"honest{k}.py": CORRECT for k in range(5)}
    d = write(tmp_path / "class", {**names, "culprit.py": CORRECT})
    recs = {Path(r["submission"]).name: r for r in grade_batch([d], "cs231n", log=tmp_path / "l.jsonl", jobs=2,
                                                                limits=LIMITS)}
    assert {n: recs[n]["score"] for n in names} == {n: 40.0 for n in names}
    assert recs["culprit.py"]["score"] == 0 and "grading this submission alone" in recs["culprit.py"]["status"]
    assert len(read_log(tmp_path / "l.jsonl")) == 6


def test_resume_grades_again_what_did_not_finish_for_good(tmp_path):
    d = write(tmp_path / "class", {"a.py": CORRECT, "b.py": CORRECT, "c.py": "import os\n"})
    log = tmp_path / "l.jsonl"
    grade_batch([d], "cs231n", log=log, jobs=1, limits=LIMITS)
    lines = log.read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    for r in recs:
        if r["submission"].endswith("a.py"):
            r["status"], r["score"] = "not graded: the grading process died twice, the second time ...", 0
    log.write_text("".join(json.dumps(r) + "\n" for r in recs))
    log.chmod(0o600)
    graded = []
    out = grade_batch([d], "cs231n", log=log, jobs=1, resume=True, limits=LIMITS, on_result=graded.append)
    assert [Path(r["submission"]).name for r in graded] == ["a.py"]  # b (graded) and c (0, for good) are kept
    assert {Path(r["submission"]).name: r["score"] for r in out} == {"a.py": 40.0, "b.py": 40.0, "c.py": 0}


def _descendants(pid: int) -> set[int]:
    kids, out = {}, set()
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    stack = [pid]
    while stack:
        for k in kids.get(stack.pop(), []):
            out.add(k)
            stack.append(k)
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_killing_the_batch_leaves_nothing_running(tmp_path):
    slow = "import time\n" + CORRECT.replace("def conv_forward_naive(x, w, b, conv_param):",
                                             "def conv_forward_naive(x, w, b, conv_param):\n    time.sleep(60)")
    d = write(tmp_path / "class", {f"s{k}.py": slow for k in range(3)})
    # the killed grader cannot remove its sandbox folders: a temp dir of its own, removed below (0711 so
    # that uid-mode children reach their folders; /tmp/pytest-of-* is closed to them)
    tmp = tempfile.mkdtemp(prefix="gradproof-test-")
    os.chmod(tmp, 0o711)
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "grade", str(d), "--jobs", "2", "--timeout", "90",
                             "--log", str(tmp_path / "l.jsonl"), "--format", "json", "-o", str(tmp_path / "o.json")],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": tmp})
    try:
        deadline, tree = time.monotonic() + 60, set()
        while time.monotonic() < deadline:  # workers, their fork servers and sleeping children
            tree = _descendants(proc.pid)
            if len(tree) >= 6:
                break
            time.sleep(0.2)
        assert len(tree) >= 6, tree
        os.kill(proc.pid, signal.SIGKILL)  # the batch process only, as the OOM killer would
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(map(_alive, tree)):
            time.sleep(0.2)
        assert not [p for p in tree if _alive(p)]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        remove_tree(tmp)


def test_honest_submissions_in_a_hostile_class_are_graded_exactly_as_alone():
    # bench/grade_hostile_batch.py runs the class of 50; CI runs this smaller one (4 honest, 5 hostile)
    sys.path.insert(0, str(ROOT / "bench"))
    import grade_hostile_batch

    r = grade_hostile_batch.run(honest=4, limits=LIMITS)
    assert r["differ"] == [] and set(r["hostile"].values()) == {0}, r
