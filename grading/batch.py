"""Grade a class: a process pool, one JSON line appended per finished submission, resume, a summary.

Each finished submission is appended to the log at once (flushed and fsynced, a private file never
opened through a link), so a batch killed at any moment loses at most the submissions in flight;
``resume=True`` skips those already graded for good and grades the rest again. Student code runs only
in sandbox children, but if a worker of the pool dies anyway (the OOM killer, a kill) only the
submissions in flight are suspects: each is graded again alone, and only one that kills its own
worker again is logged as not graded. Workers die with the batch process (PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from derivations._validate import GradproofError, whole
from . import resume as _resume
from .grade import GradeSettings, grade
from .gradelog import append, final, logged, open_own, read_log, write_output
from .results import not_graded
from .sandbox import BLOCKED, Limits, Sandbox
from .score import Weights
from .submission import entry_problem, read_python_files

__all__ = ["find_submissions", "grade_batch", "grade_class", "read_log", "summary", "write_output"]


def find_submissions(paths, skipped: list | None = None) -> list[Path]:
    """Each .py file given, and in each folder given: each .py file and each subfolder.

    Every subfolder is listed, so that every student appears in the results: one with no .py file
    anywhere below it is graded "not graded" like any other that cannot be, and, if ``skipped`` is a
    list, appended to it too. Links and special files are listed and never followed (grading refuses
    them by name). GradproofError if a path does not exist or nothing at all is gradable.
    """
    found, passed_over = [], []
    for p in map(Path, paths):
        if not os.path.lexists(p):
            raise GradproofError(f"PATH {p} does not exist")
        if p.suffix == ".py" and not p.is_dir():
            found.append(p)
        elif p.is_dir():  # a folder the instructor names is followed; entries inside it never are
            for c in sorted(c for c in p.iterdir() if not c.name.startswith((".", "_"))):
                if entry_problem(c) is not None:
                    found.append(c)  # a link or a special file: graded as "not graded: <why>", never followed
                elif c.is_dir():
                    found.append(c)
                    if not _holds_python(c):
                        passed_over.append(c)
                elif c.suffix == ".py":
                    found.append(c)
        else:
            raise GradproofError(f"PATH {p} is neither a .py file nor a folder")
    if skipped is not None:
        skipped += passed_over
    if len(found) == len(passed_over):
        why = f" ({len(passed_over)} subfolders without one)" if passed_over else ""
        raise GradproofError(f"no submissions in PATH {' '.join(map(str, paths))}: no .py file, and no subfolder "
                         f"holding one{why}")
    return found


def _holds_python(folder: Path) -> bool:
    """Whether a .py file lies anywhere below ``folder`` (links not followed; a capped walk)."""
    try:
        return bool(read_python_files(folder))
    except ValueError:
        return True  # refused (a link, too large...): still a submission, graded with the reason


def _die_with_parent(parent: int) -> None:
    """Pool workers: killed when the batch process dies (PR_SET_PDEATHSIG), and first in line for the
    OOM killer after the children (the grader's own score is lowered in ``grade_batch``)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _grade_one(path: str, settings: GradeSettings) -> dict:
    return grade(path, settings).to_dict()


def _pool_round(queue: deque, jobs: int, args: tuple, finish, fail) -> list[str]:
    """Grade from ``queue`` with at most ``jobs`` submissions in flight; returns the ones that were in
    flight when the pool broke (the only ones that can have broken it), or [] if it did not."""
    with ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        running = {}
        while queue or running:
            while queue and len(running) < jobs:
                s = queue.popleft()
                running[pool.submit(_grade_one, s, *args)] = s
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                s = running.pop(fut)
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    broken.append(s)
                    continue
                except Exception as exc:  # noqa: BLE001 - one bad submission must not end the batch
                    rec = fail(s, f"not graded: grader error {type(exc).__name__}: {str(exc)[:300]}")
                finish(s, rec)
            if broken:
                return broken + list(running.values())
    return []


def grade_batch(paths, interface: str, *, log, jobs: int = 2, resume: bool = False, limits: Limits = Limits(),
                weights: Weights = Weights(), on_result=None, fd_credit: bool = False, blocked=BLOCKED,
                regrade=(), seed: int | None = None, strict: bool = False) -> list[dict]:
    """``grade_class`` with the ``GradeSettings`` these keywords make (``limits`` and ``blocked``: its
    ``Sandbox``); the keyword form callers and tests use."""
    settings = GradeSettings(interface, Sandbox(limits, blocked), weights, seed, fd_credit, strict)
    return grade_class(paths, settings, log=log, jobs=jobs, resume=resume, regrade=regrade, on_result=on_result)


def grade_class(paths, settings: GradeSettings, *, log, jobs: int = 2, resume: bool = False, regrade=(),
                on_result=None) -> list[dict]:
    """Grade every submission under ``paths``; returns all records (resumed ones included), in path order.

    ``resume`` reuses a logged grade only when its key (``resume.grade_key``: content, interface, weights,
    grader, options) is unchanged and it is final; ``regrade`` paths are graded again whatever the log says.
    When a worker dies (the OOM killer, a kill), only the submissions in flight are suspects: each is
    graded again alone, and only one that kills its own worker again is recorded as not graded.
    """
    whole("jobs", jobs)
    subs = [str(p) for p in find_submissions(paths)]
    log = Path(log)
    if not resume:
        with contextlib.suppress(FileNotFoundError):
            log.unlink()  # removes a planted link itself, never its target
        os.close(open_own(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    _lower_own_oom_score()
    keys = {s: _resume.grade_key(s, settings) for s in subs}
    records = {s: r for s, r in _resume.reusable(logged(log), keys, regrade).items() if final(r)}

    def finish(s, rec):
        rec = _resume.stamp(rec, s, keys[s])
        append(log, rec)
        records[s] = rec
        if on_result:
            on_result(rec)

    def fail(s, why):
        return not_graded(s, settings.interface, why, settings.weights).to_dict()

    queue = deque(s for s in subs if s not in records)
    while queue:
        suspects = _pool_round(queue, jobs, (settings,), finish, fail)
        for s in suspects:  # alone, so that a second death names its culprit and nobody else
            if _pool_round(deque([s]), 1, (settings,), finish, fail):
                finish(s, fail(s, "not graded: the grading process died twice, the second time grading this "
                                  "submission alone (killed, e.g. for memory)"))
    return [records[s] for s in subs]


def _lower_own_oom_score() -> None:
    """As root: make the batch process and its workers the OOM killer's last choice, so that a memory
    hog takes a sandbox child (whose score the fork server raises), not the batch."""
    with contextlib.suppress(OSError):
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("-500")


def summary(records: list[dict], bins: int = 5) -> dict:
    """Score distribution (share of the maximum, in ``bins`` bands) and the most common diagnosed mistakes."""
    dist = Counter()
    for r in records:
        frac = r["score"] / r["max_score"] if r["max_score"] else 0.0
        lo = min(int(frac * bins), bins - 1) * 100 // bins
        dist[f"{lo}-{lo + 100 // bins}%"] += 1
    mistakes = Counter(f"{f['name']}: {d['words']}" for r in records for f in r["functions"] for d in f["diagnoses"])
    problems = Counter(r["status"] for r in records if r["status"] != "graded")
    bands = dict(sorted(dist.items(), key=lambda kv: int(kv[0].split("-")[0])))
    return {"submissions": len(records), "distribution": bands,
            "mean_score": round(sum(r["score"] for r in records) / max(1, len(records)), 3),
            "common_mistakes": mistakes.most_common(5), "not_graded": dict(problems)}
