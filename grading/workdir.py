"""A sandbox child's files: the folder its submission is copied into, and the removal of what it leaves.

The grader writes the submission's files (already read as hostile input, ``submission``) into a fresh
folder of mode 0700 owned by the child's uid; whatever ends the run, that folder goes, and in uid mode
so does what the child's uid left in the host's shared temporary folders. A tree made too deep for
Python's recursion is removed by descriptors.

>>> import os
>>> d = make_workdir({"cs231n/layers.py": b"x = 1\\n"}, None)
>>> sorted(os.listdir(d)), os.stat(d).st_mode & 0o777 == 0o700
(['cs231n'], True)
>>> remove_tree(d); os.path.exists(d)
False
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from derivations._validate import GradproofError

SHARED_DIRS = ("/dev/shm", "/tmp", "/var/tmp")


def make_workdir(files: dict[str, bytes], uid: int | None, d: str | None = None) -> str:
    """The submission's files in a fresh directory (mode 0700) owned by the child's uid when there is one."""
    d = d or tempfile.mkdtemp(prefix="gradproof-sub-")
    os.makedirs(d, mode=0o700, exist_ok=True)
    made = [d]
    for name, data in files.items():
        target = Path(d, name)
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise GradproofError(f"file name {name!r} leaves the submission's folder")
        for parent in reversed(target.relative_to(d).parents[:-1]):
            if not Path(d, parent).is_dir():
                Path(d, parent).mkdir()
                made.append(str(Path(d, parent)))
        target.write_bytes(data)
        made.append(str(target))
    if uid is not None:
        for p in made:
            os.chown(p, uid, uid)
    os.chmod(d, 0o700)
    return d


def remove_left_behind(uid: int) -> None:
    """uid mode: what the child made in the host's shared folders (its uid is its own) goes with it, so a
    later child finds nothing to copy there. (A child running at the same time still could: only the
    namespace mode's private /tmp and /dev/shm close that.)"""
    for d in {*SHARED_DIRS, tempfile.gettempdir()}:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.stat(follow_symlinks=False).st_uid == uid:
                    remove_tree(e.path) if e.is_dir(follow_symlinks=False) else os.unlink(e.path)
            except OSError:
                pass


def remove_tree(path: str) -> None:
    """Remove a child's folder whatever it made there: a tree too deep for ``shutil.rmtree``'s recursion
    (or for path names) goes to ``rm -rf``, which walks it by descriptors."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except (RecursionError, OSError):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
