"""The batch's files: the JSON-lines log (one record per finished submission) and the reports.

Both are written by root into folders others may write to, so neither is ever opened through a link:
the log only as a regular file of this user (``O_NOFOLLOW``, never a FIFO or device), a report as a
fresh private file renamed over its path at once. A log line cut short by a kill is ignored.

>>> import os, tempfile
>>> log = os.path.join(tempfile.mkdtemp(), "log.jsonl")
>>> append(log, {"submission": "a.py", "status": "graded"}); list(read_log(log))
['a.py']
>>> final({"status": "not graded: the grading process died twice"})
False
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path

from derivations._validate import GradproofError

# Records the batch itself wrote because grading did not finish: --resume grades these again.
NOT_FINAL = ("not graded: the grading process", "not graded: grader error")
_OUT_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def open_own(path: Path, flags: int) -> int:
    """Open an output or log file: never through a link, never a FIFO or device, only a file of ours."""
    fd = os.open(path, flags | _OUT_FLAGS, 0o600)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        os.close(fd)
        raise GradproofError(f"{path} is not a regular file of this user")
    return fd


def final(rec: dict) -> bool:
    """Whether a logged record is a grade (or a refusal that would come out the same again)."""
    return not str(rec.get("status", "")).startswith(NOT_FINAL) and not any(
        str(f.get("error") or "").startswith("not graded: grader error") for f in rec.get("functions", []))


def read_log(log: Path) -> dict[str, dict]:
    """The records already in a JSON-lines log, by submission; a line cut short by a kill is ignored."""
    return {rec["submission"]: rec for rec in logged(log) if "submission" in rec}


def logged(log) -> list[dict]:
    """Every complete record of a JSON-lines log, in order, read without following a planted link."""
    out = []
    try:
        fd = open_own(Path(log), os.O_RDONLY)
    except FileNotFoundError:
        return out
    except (OSError, GradproofError) as exc:
        why = "a link" if getattr(exc, "errno", None) == errno.ELOOP else getattr(exc, "strerror", None) or \
            "not a regular file of this user"
        raise GradproofError(f"the log {log} cannot be read safely ({why}): choose another --log") from None
    with open(fd, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


def append(log, rec: dict) -> None:
    """One record, appended, flushed and fsynced (a kill loses at most the submissions in flight)."""
    fd = open_own(Path(log), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    with open(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def write_output(path, text: str) -> None:
    """Write a report: a fresh private file (0600, created exclusively) renamed over ``path`` at once, so
    a link or FIFO planted at ``path`` is replaced, never followed, and a reader never sees half a report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
