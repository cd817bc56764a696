"""Grade a class: a process pool, one JSON line appended per finished submission, resume, a summary.

Each finished submission is appended to the log at once (flushed and fsynced), so a batch killed at
any moment loses at most the submissions in flight; ``resume=True`` skips those already logged.
Student code runs only in sandbox children, but if a worker of the pool dies anyway the pool is
rebuilt and the submissions in flight are retried once; a submission that breaks it twice is logged
with what happened and zero points.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import resume as _resume
from .grade import grade_submission
from .interfaces import get_interface
from .results import not_graded
from .sandbox import BLOCKED, Limits
from .score import Weights


def find_submissions(paths, skipped: list | None = None) -> list[Path]:
    """Each .py file given, and in each folder given: each .py file and each subfolder that holds one.

    Subfolders without a .py file (data, notes, anything that is not a submission) are left out and, if
    ``skipped`` is a list, appended to it; ValueError if a path does not exist or nothing is gradable.
    """
    found, passed_over = [], []
    for p in map(Path, paths):
        if not p.exists():
            raise ValueError(f"PATH {p} does not exist")
        if p.is_file() and p.suffix == ".py":
            found.append(p)
        elif p.is_dir():
            for c in sorted(c for c in p.iterdir() if not c.name.startswith((".", "_"))):
                if c.is_file() and c.suffix == ".py":
                    found.append(c)
                elif c.is_dir():
                    # load_submission reads a folder's own *.py files, so that is what makes it gradable
                    (found if any(c.glob("*.py")) else passed_over).append(c)
        else:
            raise ValueError(f"PATH {p} is neither a .py file nor a folder")
    if skipped is not None:
        skipped += passed_over
    if not found:
        why = f" ({len(passed_over)} subfolders without one)" if passed_over else ""
        raise ValueError(f"no submissions in PATH {' '.join(map(str, paths))}: no .py file, and no subfolder "
                         f"holding one{why}")
    return found


def read_log(log: Path) -> dict[str, dict]:
    """The records already in a JSON-lines log, by submission; a line cut short by a kill is ignored."""
    return {rec["submission"]: rec for rec in _resume.logged(log) if "submission" in rec}


def _append(log: Path, rec: dict) -> None:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _grade_one(path: str, interface: str, limits: Limits, weights: Weights, fd_credit: bool, blocked) -> dict:
    return grade_submission(path, interface, limits=limits, weights=weights, fd_credit=fd_credit,
                            blocked=blocked).to_dict()


def grade_batch(paths, interface: str, *, log, jobs: int = 2, resume: bool = False, limits: Limits = Limits(),
                weights: Weights = Weights(), on_result=None, fd_credit: bool = True, blocked=BLOCKED,
                regrade=()) -> list[dict]:
    """Grade every submission under ``paths``; returns all records (resumed ones included), in path order.

    ``resume`` reuses a logged grade only when its key (``resume.grade_key``: content, interface, weights,
    grader, options) is unchanged; ``regrade`` paths are graded again whatever the log says.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs!r}")
    get_interface(interface)
    subs = [str(p) for p in find_submissions(paths)]
    log = Path(log)
    if not resume and log.exists():
        log.unlink()
    keys = {s: _resume.grade_key(s, interface, weights=weights, limits=limits, fd_credit=fd_credit, blocked=blocked)
            for s in subs}
    records = _resume.reusable(_resume.logged(log), keys, regrade)
    pending, tries = [s for s in subs if s not in records], Counter()
    while pending:
        retry = []
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futs = {pool.submit(_grade_one, s, interface, limits, weights, fd_credit, blocked): s for s in pending}
            for fut in as_completed(futs):
                s = futs[fut]
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    tries[s] += 1
                    if tries[s] < 2:
                        retry.append(s)
                        continue
                    rec = not_graded(s, interface, "not graded: the grading process was killed twice",
                                     weights).to_dict()
                except Exception as exc:  # noqa: BLE001 - one bad submission must not end the batch
                    rec = not_graded(s, interface, f"not graded: grader error {type(exc).__name__}: {exc}",
                                     weights).to_dict()
                rec = _resume.stamp(rec, s, keys[s])
                _append(log, rec)
                records[s] = rec
                if on_result:
                    on_result(rec)
        pending = retry
    return [records[s] for s in subs]


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
