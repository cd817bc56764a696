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

from .sandbox import BLOCKED, MODES, Limits, isolation, run_function


class SandboxError(ValueError):
    """The sandbox cannot grade on this host; the message says why and what to do."""


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


def self_test(limits: Limits | None = None, blocked=BLOCKED) -> str:
    """Grade nothing until a child in the real sandbox imports what honest code imports (the standard
    library's pdb and unittest, numpy.testing) and writes nothing outside its own folder.

    Returns the mode's description (``MODES``); SandboxError says what failed and what to do.
    """
    limits = limits or Limits()
    mode = isolation(limits)
    token = secrets.token_hex(8)
    probes = [os.path.join(d, f"gradproof-self-test-{token}") for d in (tempfile.gettempdir(), "/dev/shm", "/tmp")]
    call = [{"args": [{"a": "x"}, {"v": probes}], "nout": 1}]
    run = run_function({"gradproof_self_test.py": SELF_TEST}, "gradproof_self_test", "f", call,
                       {"0.x": np.arange(3.0)}, limits, blocked)
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


def sandbox_limits(args, blocked=BLOCKED) -> Limits:
    """The ``grade`` command's limits (``--timeout``, ``--memory-mb``, ``--stub``), after the self-test
    passed; the mode it runs in goes to stderr, so an instructor always knows what protects the grader."""
    bad = [s for s in args.stub or () if not s.isidentifier() or s in BLOCKED]
    if bad:
        raise ValueError(f"--stub takes the name of a package that is not blocked, got {bad[0]!r}")
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb, stubs=tuple(args.stub or ()))
    print(f"gradproof: {self_test(limits, blocked)}", file=sys.stderr)
    return limits


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
