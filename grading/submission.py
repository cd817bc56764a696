"""Read a submission from disk as hostile input, and find the file that holds the interface's functions.

The grader reads submissions as root, so a submission is a list of names chosen by a student: a
``helper.py`` linked to a root-only file would be copied into the child's folder (and its text into
the report), a link to ``/dev/zero`` or a FIFO would exhaust the grader's memory or hang it. So
every file and folder is opened relative to its already-open parent with ``O_NOFOLLOW``, only
regular files with a single link are read (a hard link can name a file the student cannot read),
and sizes, counts and depth are capped. A ``.py`` entry that is a link or a special file refuses the
whole submission with a message naming it; other links are never followed and never read.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> os.makedirs(os.path.join(d, "cs231n"))
>>> _ = open(os.path.join(d, "cs231n", "layers.py"), "w").write("def relu(x):\\n    return x\\n")
>>> read_python_files(d)
{'cs231n/layers.py': b'def relu(x):\\n    return x\\n'}
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

from derivations._validate import GradproofError
from .interfaces import get_interface

MAX_FILE_BYTES = 1 << 20      # one .py file; a layers.py is a few tens of kilobytes
MAX_TOTAL_BYTES = 8 << 20     # every .py file of one submission together
MAX_FILES = 400               # .py files of one submission (a whole cs231n assignment has about 30)
MAX_DEPTH = 12                # folder levels below the submission
MAX_ENTRIES = 20_000          # directory entries looked at, whatever they are
_SKIP = ("__pycache__", "__MACOSX", "node_modules")
_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


def _read(name: str, dir_fd: int, shown: str) -> bytes:
    """One regular file, opened without following a link, read up to its cap."""
    try:
        fd = os.open(name, _FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise GradproofError(f"{shown} could not be opened ({exc.strerror}): submit plain files, not links") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise GradproofError(f"{shown} is not a regular file")
        if st.st_nlink != 1:
            raise GradproofError(f"{shown} has {st.st_nlink} hard links: submit a copy of the file")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise GradproofError(f"{shown} is larger than {MAX_FILE_BYTES} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def entry_problem(path) -> str | None:
    """Why a top-level entry (a file or folder a batch lists) cannot be a submission, or None."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return f"{os.path.basename(path)} is a symbolic link (a submission must be a plain file or folder)"
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return f"{os.path.basename(path)} is not a regular file or folder"
    return None


def read_python_files(path) -> dict[str, bytes]:
    """Every ``.py`` file of a submission (a file or a folder), keyed by its path relative to the folder."""
    path = os.fspath(path)
    why = entry_problem(path)
    if why:
        raise GradproofError(why)
    if not os.path.isdir(path):
        if not path.endswith(".py"):
            raise GradproofError(f"path must be a .py file or a folder, got {path!r}")
        parent = os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            return {os.path.basename(path): _read(os.path.basename(path), parent, os.path.basename(path))}
        finally:
            os.close(parent)
    files, total, seen = {}, 0, 0
    stack = [(os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC), "", 0)]
    try:
        while stack:
            fd, rel, depth = stack.pop()
            try:
                with os.scandir(fd) as it:
                    entries = sorted(it, key=lambda e: e.name)
                for e in entries:
                    seen += 1
                    if seen > MAX_ENTRIES:
                        raise GradproofError(f"the submission holds more than {MAX_ENTRIES} files and folders")
                    shown = rel + e.name
                    if e.name.startswith(".") or e.name in _SKIP:
                        continue
                    if e.is_symlink():
                        if e.name.endswith(".py"):
                            raise GradproofError(f"{shown} is a symbolic link (submit the file itself, not a link)")
                        continue  # a link is never followed, and a link that is not Python is never read
                    if e.is_dir(follow_symlinks=False):
                        if depth + 1 > MAX_DEPTH:
                            raise GradproofError(f"{shown} is more than {MAX_DEPTH} folders deep")
                        sub = os.open(e.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                        stack.append((sub, shown + "/", depth + 1))
                    elif e.name.endswith(".py"):
                        if len(files) >= MAX_FILES:
                            raise GradproofError(f"the submission holds more than {MAX_FILES} .py files")
                        files[shown] = _read(e.name, fd, shown)
                        total += len(files[shown])
                        if total > MAX_TOTAL_BYTES:
                            raise GradproofError(f"the submission's .py files hold more than {MAX_TOTAL_BYTES} bytes")
            finally:
                os.close(fd)
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    return files


def find_module(files: dict[str, bytes], names: list[str], preferred: str) -> str:
    """The file that provides the interface's functions, as a path without ``.py`` (``cs231n/layers``).

    The file defining or importing the most of ``names`` wins; a tie, or no file defining any (with more than one
    file and none named ``preferred``), is a GradproofError that names what was found.
    """
    if not files:
        raise GradproofError("holds no .py file")
    defs = {rel: len(_provided(data) & set(names)) for rel, data in files.items()}
    best = max(defs.values())
    top = sorted(rel for rel, k in defs.items() if k == best)
    if best == 0:
        named = [rel for rel in files if rel.rsplit("/", 1)[-1] == preferred]
        if len(files) == 1 or len(named) == 1:
            return (named or list(files))[0][:-3]  # its functions are then reported missing, one by one
        raise GradproofError(f"no .py file defines any of {', '.join(names)} (found {_listing(files)})")
    if len(top) > 1:
        raise GradproofError(f"{len(top)} files define the functions ({', '.join(top)}): keep one of them in the "
                         "submission")
    return top[0][:-3]


def _provided(data: bytes) -> set[str]:
    """Names a file defines at any indentation or imports (``from forward_parts import conv_forward_naive``):
    a ``layers.py`` that gathers functions written in other files provides them all."""
    text = data.decode("utf-8", "replace")
    out = set(re.findall(r"^[ \t]*(?:def|class)[ \t]+(\w+)[ \t]*[(:]", text, re.M))  # classes: notes-cnn
    for group in re.findall(r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", text, re.M):
        out.update(re.findall(r"(\w+)(?:[ \t]+as[ \t]+\w+)?[ \t]*(?:,|\)|$|#)", group.split("#")[0] if "(" not in group
                                                                                 else group))
    return out


@dataclass(frozen=True)
class Submission:
    """One student's work as the grader read it: where it lies, the interface it is graded on, its
    ``.py`` files by relative path, and the module holding the interface's functions (``cs231n/layers``,
    a path without ``.py``: what the sandbox child imports)."""

    path: str
    interface: str
    files: dict[str, bytes] = field(repr=False)
    module: str


def load_submission(path, interface: str) -> Submission:
    """Read the submission at ``path`` as hostile input and find its module; GradproofError says what is
    wrong, naming the path.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "layers.py"), "w").write("def conv_forward_naive(x):\\n    return x\\n")
    >>> load_submission(d, "cs231n").module
    'layers'
    """
    iface = get_interface(interface)
    files = read_python_files(path)
    try:
        module = find_module(files, list(dict.fromkeys(f.name.partition(".")[0] for f in iface.functions)), iface.module)
    except GradproofError as exc:
        raise GradproofError(f"{path}: {exc}") from None
    return Submission(str(path), interface, files, module)


def _listing(files) -> str:
    names = sorted(files)
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
