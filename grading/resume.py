"""What decides a grade, as one key: a logged grade is reused only when nothing in its key changed.

The key hashes the submission's files (their names and bytes), the interface, the weights, the grader
(its version and the source of the packages that judge: ``checker`` and ``grading``) and the options
that change a verdict (sandbox limits, finite-difference credit, allowed frameworks, the seed). A
submission is found in the log by its resolved path, so ``sub/a.py``, ``./sub/a.py`` and its absolute
path are one submission; the latest line of the log for a path wins.

>>> resolved("sub/../a.py") == resolved("./a.py")
True
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import json
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .submission import read_python_files


def resolved(path) -> str:
    """The one name of a submission in the log: its absolute path, symlinks and '..' resolved."""
    return str(Path(path).resolve())


def submission_digest(path) -> str:
    """sha256 over what the grader reads of a submission: its .py files by name, read as hostile input
    (``submission.read_python_files``: no links followed, sizes capped); a refused one by its refusal."""
    h = hashlib.sha256()
    try:
        files = read_python_files(path)
    except ValueError as exc:
        return hashlib.sha256(f"refused\0{exc}".encode()).hexdigest()
    for name in sorted(files):
        h.update(f"{name}\0{len(files[name])}\0".encode() + files[name])
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def grader_digest() -> str:
    """The grader's version and a sha256 of the source of the packages that decide a verdict."""
    try:
        ver = version("gradproof")
    except PackageNotFoundError:  # run from a checkout that was never installed
        ver = "unknown"
    h = hashlib.sha256(ver.encode())
    for pkg in ("checker", "grading"):
        root = Path(importlib.import_module(pkg).__file__).parent
        for f in sorted(root.rglob("*.py")):
            if "__pycache__" not in f.parts:
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return f"{ver}:{h.hexdigest()[:16]}"


def grade_key(path, settings) -> str:
    """The key of one submission's grade under these ``GradeSettings`` (a hex sha256). ``seed=None`` (a
    fresh secret seed per run) keys as None: a grade under any secret seed is as valid as under another."""
    what = {"submission": submission_digest(path), "interface": settings.interface,
            "weights": asdict(settings.weights), "grader": grader_digest(), "limits": asdict(settings.sandbox.limits),
            "fd_credit": bool(settings.fd_credit), "blocked": sorted(settings.sandbox.blocked), "seed": settings.seed,
            "strict": bool(settings.strict)}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def reusable(logged: list[dict], keys: dict[str, str], regrade=()) -> dict[str, dict]:
    """The logged records still valid for the submissions in ``keys`` ({path as given: key}).

    A record is reused when the latest log line for the submission's resolved path carries the same key;
    paths in ``regrade`` are graded again whatever the log says. Reused records take the path as given now.
    """
    latest = {}
    for rec in logged:
        if isinstance(rec, dict) and "key" in rec:
            latest[rec.get("path") or resolved(rec.get("submission", ""))] = rec
    again = {resolved(p) for p in regrade}
    out = {}
    for sub, key in keys.items():
        rec = latest.get(resolved(sub))
        if rec is not None and rec["key"] == key and resolved(sub) not in again:
            out[sub] = dict(rec, submission=sub)
    return out


def stamp(rec: dict, sub, key: str) -> dict:
    """A record ready for the log: its key and resolved path added."""
    return dict(rec, key=key, path=resolved(sub))
