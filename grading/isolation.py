"""Which boundary a sandbox child runs behind on this host: namespaces, a uid of its own, or neither.

As root on Linux with namespaces (namespace mode), every child also enters private mount, PID, network
and IPC namespaces and a root of its own holding only Python, numpy and a private copy of its files
(``_jail.py``). As root without them (uid mode), every child gets a uid and gid of its own, fresh for
each call and in no passwd entry (``CHILD_UIDS``), and a working directory only that uid can open: the
kernel stops it from signalling or reading the grader, the fork server and every other child, and from
reading files not readable by others, which is why the grader's own packages must not be (``setup.sh``;
``warn_readable`` says so once when they are). Not as root there is no uid separation: a child runs as
the grader's user. ``grade`` prints the mode it runs in (``MODES``); the README repeats them.

>>> sorted(MODES)
['namespace', 'none', 'uid']
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys

from . import GRADER_PACKAGES
from .forkserver import ENV

# Child uids and gids: far above any range useradd hands out (1000-60000 by default, 65534 for nobody),
# drawn at random for every call from 2**30 values, so that no real user shares one and two children
# running at once share one with odds of about jobs**2 / 2**31.
CHILD_UIDS = range(2_000_000, 2_000_000 + (1 << 30))
_warned = []
_probe = {}

# What each isolation mode guarantees.
MODES = {
    "namespace": "namespace mode: each student function runs under a uid of its own in private mount, PID, "
                 "network and IPC namespaces; it sees only Python, numpy and a private copy of its files, "
                 "with private size-limited /tmp and /dev/shm, no other process and no network",
    "uid": "uid mode (no namespaces on this host): each student function runs under a uid of its own with "
           "resource limits; it can still read world-readable files and use the network if the audit hook "
           "is defeated (a tripwire, not a boundary)",
    "none": "unprivileged mode (the grader is not root): student code runs as the grader's user, held back "
            "only by resource limits and tripwires; grade untrusted submissions as root or in a container",
}


def namespaces_available() -> bool:
    """Whether this process may create mount, PID and network namespaces (root on Linux, with the
    capability; probed once in a throw-away interpreter so the grader itself is never changed)."""
    if "ns" not in _probe:
        ok = False
        if os.geteuid() == 0 and sys.platform.startswith("linux"):
            code = ("import ctypes, sys; c = ctypes.CDLL(None, use_errno=True); "
                    "sys.exit(c.unshare(0x20000|0x20000000|0x40000000|0x8000000|0x4000000) != 0 "
                    "or c.mount(b'none', b'/', None, ctypes.c_ulong((1 << 18) | 16384), None) != 0)")
            try:
                ok = subprocess.run([sys.executable, "-I", "-c", code], env=ENV, timeout=30,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
        _probe["ns"] = ok
    return _probe["ns"]


def isolation(limits) -> str:
    """The mode a child of these ``Limits`` runs in: ``namespace``, ``uid`` or ``none`` (see ``MODES``)."""
    if os.geteuid() != 0:
        return "none"
    if limits.isolation == "uid" or limits.mode == "spawn":
        return "uid"
    if limits.isolation == "namespace" or namespaces_available():
        return "namespace"
    return "uid"


def child_uid() -> int:
    """A fresh uid (and gid) for one child, from ``CHILD_UIDS``."""
    return CHILD_UIDS.start + secrets.randbelow(len(CHILD_UIDS))


def _package_dirs() -> list[str]:
    """Every folder of the grader's packages, as the import system finds them."""
    return [d for name in GRADER_PACKAGES for spec in [importlib.util.find_spec(name)] if spec
            for d in spec.submodule_search_locations or []]


def grader_dirs() -> list[str]:
    """Every folder of the grader's packages, resolved (hidden from a namespaced child wherever they lie)."""
    if "dirs" not in _probe:
        _probe["dirs"] = sorted({os.path.realpath(d) for d in _package_dirs()})
    return _probe["dirs"]


def readable_packages() -> list[str]:
    """The grader's package directories that users other than their owner can read or enter."""
    return [d for d in _package_dirs() if os.stat(d).st_mode & 0o005]


def warn_readable() -> None:
    """Once per process, as root: say so when a child could read the grader's reference code."""
    if _warned or os.geteuid() != 0:
        return
    _warned.append(True)
    open_dirs = readable_packages()
    if open_dirs:
        print(f"gradproof: warning: the grader's packages are readable by other users ({', '.join(open_dirs)}): "
              "a submission that removes the import blocker could import their reference answers; run "
              "chmod -R go-rwx on them (setup.sh does)", file=sys.stderr)
