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

from .grade import grade_submission
from .interfaces import get_interface
from .results import not_graded
from .sandbox import BLOCKED, Limits
from .score import Weights
from .submission import entry_problem, read_python_files


def find_submissions(paths, skipped: list | None = None) -> list[Path]:
    """Each .py file given, and in each folder given: each .py file and each subfolder.

    Every subfolder is listed, so that every student appears in the results: one with no .py file
    anywhere below it is graded "not graded" like any other that cannot be, and, if ``skipped`` is a
    list, appended to it too. Links and special files are listed and never followed (grading refuses
    them by name). ValueError if a path does not exist or nothing at all is gradable.
    """
    found, passed_over = [], []
    for p in map(Path, paths):
        if not os.path.lexists(p):
            raise ValueError(f"PATH {p} does not exist")
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
            raise ValueError(f"PATH {p} is neither a .py file nor a folder")
    if skipped is not None:
        skipped += passed_over
    if len(found) == len(passed_over):
        why = f" ({len(passed_over)} subfolders without one)" if passed_over else ""
        raise ValueError(f"no submissions in PATH {' '.join(map(str, paths))}: no .py file, and no subfolder "
                         f"holding one{why}")
    return found


def _holds_python(folder: Path) -> bool:
    """Whether a .py file lies anywhere below ``folder`` (links not followed; a capped walk)."""
    try:
        return bool(read_python_files(folder))
    except ValueError:
        return True  # refused (a link, too large...): still a submission, graded with the reason


def read_log(log: Path) -> dict[str, dict]:
    """The records already in a JSON-lines log, by submission; a line cut short by a kill is ignored."""
    done = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                done[rec["submission"]] = rec
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return done


def _append(log: Path, rec: dict) -> None:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _grade_one(path: str, interface: str, limits: Limits, weights: Weights, fd_credit: bool, blocked) -> dict:
    return grade_submission(path, interface, limits=limits, weights=weights, fd_credit=fd_credit,
                            blocked=blocked).to_dict()


def grade_batch(paths, interface: str, *, log, jobs: int = 2, resume: bool = False, limits: Limits = Limits(),
                weights: Weights = Weights(), on_result=None, fd_credit: bool = True, blocked=BLOCKED) -> list[dict]:
    """Grade every submission under ``paths``; returns all records (resumed ones included), in path order."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs!r}")
    get_interface(interface)
    subs = [str(p) for p in find_submissions(paths)]
    log = Path(log)
    if not resume and log.exists():
        log.unlink()
    records = {k: v for k, v in read_log(log).items() if k in subs}
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
