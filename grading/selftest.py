"""Before grading: does the sandbox hold on this host, and in which mode? (``grade`` asks first.)

A child in the real sandbox must import what honest code imports (``pdb``, ``unittest``,
``numpy.testing``) and write nothing outside its own folder; otherwise the grader stops with the
reason and what to do, instead of grading every honest submission 0 with a broken sandbox.
"""
from __future__ import annotations

import os
import secrets
import sys
import tempfile

import numpy as np

from derivations._validate import GradproofError
from .sandbox import MODES, Sandbox, isolation, run_function


class SandboxError(GradproofError):
    """The sandbox cannot grade on this host; the message says why and what to do (one line, like a
    caller's mistake: the instructor fixes the host, nothing in gradproof is broken)."""


SELF_TEST = b"""import decimal, fractions, json, pdb, unittest
import numpy as np
from numpy.testing import assert_allclose


def f(x, probes):
    for path in probes:
        try:
            with open(path, "w") as fh:
                fh.write("written by the sandbox's self-test")
        except OSError:
            pass
    with open("own.txt", "w") as fh:
        fh.write("its own folder is writable")
    assert_allclose(x, x)
    return x * 2
"""


def self_test(box: Sandbox = Sandbox()) -> str:
    """Grade nothing until a child in the real sandbox imports what honest code imports (the standard
    library's pdb and unittest, numpy.testing) and writes nothing outside its own folder.

    Returns the mode's description (``MODES``); SandboxError says what failed and what to do.
    """
    mode = isolation(box.limits)
    token = secrets.token_hex(8)
    probes = [os.path.join(d, f"gradproof-self-test-{token}") for d in (tempfile.gettempdir(), "/dev/shm", "/tmp")]
    call = [{"args": [{"a": "x"}, {"v": probes}], "nout": 1}]
    run = run_function({"gradproof_self_test.py": SELF_TEST}, "gradproof_self_test", "f", call,
                       {"0.x": np.arange(3.0)}, box.limits, box.blocked)
    leaked = [p for p in probes if os.path.lexists(p)]
    for p in leaked:
        os.unlink(p)
    got = run.results.get(0, {}).get("r0")
    if got is None or not np.array_equal(got, np.arange(3.0) * 2):
        why = run.fatal or run.errors.get(0) or "no result came back"
        raise SandboxError(f"the sandbox's self-test failed in {mode} mode: {why}{_unreadable_hint(mode)}")
    if leaked:
        raise SandboxError(f"the sandbox's self-test failed in {mode} mode: a child wrote outside its folder "
                           f"({', '.join(leaked)})")
    return MODES[mode]


def _unreadable_hint(mode: str) -> str:
    """Name the folder that keeps a child's uid out of the Python installation, if there is one."""
    if mode != "uid":
        return ""
    for top in (sys.base_prefix, sys.prefix):
        p = os.path.realpath(top)
        while p != "/":
            if not os.stat(p).st_mode & 0o001:
                return (f" (the sandbox user cannot read the Python installation at {top}: {p} is closed to other "
                        "users; install Python where other users can read it, or grade as root on a Linux host "
                        "that allows namespaces)")
            p = os.path.dirname(p)
    return ""
