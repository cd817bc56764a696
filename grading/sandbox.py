"""Run one student function in a fresh, limited child interpreter and read back only numeric arrays.

The child (``_child.py``: forked by the fork server in ``forkserver.py``, or in ``mode="spawn"`` a new
``sys.executable -I`` each time) gets the submission's files in an empty temporary directory
(``workdir``), the input arrays on stdin, and a pipe to write results to. Limits (defaults in
``Limits``): wall-clock timeout, CPU seconds, address space (RLIMIT_AS), file size, no new processes
(RLIMIT_NPROC 0 in the child). ``Sandbox`` is the whole of it as one record: the limits and the
packages a child may not import.

The boundary depends on the host (``isolation``: namespaces, a uid of its own, or neither; ``MODES``).
An audit hook and an import blocker are tripwires in every mode, not the boundary. ``selftest.self_test``
checks the sandbox before grading; ``frames`` reads what a child sends back, as hostile input.

Stdout and stderr are drained while the child runs and kept only up to ``Limits.output_bytes``.
Results are ``.npy`` bytes loaded with ``allow_pickle=False``; exit codes and printed text are never
read as results.

>>> Sandbox.allowing(["torch"]).blocked == tuple(b for b in BLOCKED if b != "torch")
True
"""
from __future__ import annotations

import io
import json
import math
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from derivations._validate import GradproofError, one_of
from . import BLOCKED, FRAMEWORKS, GRADER_PACKAGES
from ._child import _limits
from .frames import ChildRun, _parse, clean, ended, expected_names
from .forkserver import CHILD, ENV, ForkServer
from .isolation import MODES, child_uid, grader_dirs, isolation, namespaces_available, warn_readable
from .workdir import make_workdir, remove_left_behind, remove_tree

__all__ = ["BLOCKED", "MODES", "ChildRun", "Limits", "Sandbox", "isolation", "namespaces_available",
           "remove_tree", "run_function"]

# The wall clock allows this many times the CPU budget (see Limits.wall_s). On this project's 2-core
# machines under a full test load, wall time ran at 3-8x CPU time; a correct function uses a small part of
# its CPU budget (naive loops: about 0.5 s of the default 10), so 3x leaves it room even then.
WALL_FACTOR = 3


@dataclass(frozen=True)
class Limits:
    """Sandbox limits for one child; every field documented with its unit."""

    timeout_s: float = 10.0       # CPU seconds per child (one student function on its whole battery)
    memory_mb: int = 2048         # RLIMIT_AS
    output_bytes: int = 64_000    # stdout+stderr kept for the report; the rest is read and dropped
    result_bytes: int = 64 << 20  # result stream larger than this: the child is stopped
    mode: str = "zygote"          # zygote: fork from a clean numpy-loaded server; spawn: a new interpreter
    isolation: str = "auto"       # auto: namespaces where the host allows them; namespace; uid (see MODES)
    stubs: tuple = ()             # packages replaced by empty modules (--stub): absent, and not needed to grade
    tmp_mb: int = 16              # namespace mode: the private /tmp and /dev/shm, each
    work_mb: int = 64             # namespace mode: the private working folder

    def __post_init__(self):
        if not self.timeout_s > 0:
            raise GradproofError(f"timeout_s must be > 0, got {self.timeout_s!r}")
        one_of("mode", self.mode, ("zygote", "spawn"))
        one_of("isolation", self.isolation, ("auto", "namespace", "uid"))
        if self.isolation == "namespace" and self.mode == "spawn":
            raise GradproofError("isolation 'namespace' needs mode 'zygote' (the fork server builds the namespaces), "
                                 "got mode 'spawn'")
        bad = [s for s in self.stubs if not str(s).isidentifier() or s in BLOCKED]
        if bad:
            raise GradproofError(f"stubs must be importable names that are not blocked, got {bad[0]!r}")
        if self.memory_mb < 256:
            raise GradproofError(f"memory_mb must be >= 256 (numpy needs it), got {self.memory_mb!r}")

    @property
    def wall_s(self) -> float:
        """The wall-clock backstop: a child that waits (sleep, a blocking read) uses no CPU, so the clock
        stops it, but only at WALL_FACTOR times the CPU budget, so that a machine busy with other work (a
        batch with --jobs beyond the cores, a shared server) does not time out a correct function."""
        return WALL_FACTOR * self.timeout_s + 1.0

    def child_spec(self, workdir: str) -> dict:
        """What the child needs to limit itself: ``timeout_s`` of CPU time, rounded up to whole seconds
        (RLIMIT_CPU counts whole seconds); the child turns the first SIGXCPU into a "timed out" error."""
        return {"workdir": workdir, "memory_mb": self.memory_mb, "cpu_s": math.ceil(self.timeout_s)}



@dataclass(frozen=True)
class Sandbox:
    """Where a student function runs: the child's ``limits`` and the packages it may not ``blocked`` import
    (the grader's own always among them). One record, so that grading passes one thing, not two."""

    limits: Limits = Limits()
    blocked: tuple[str, ...] = BLOCKED

    def __post_init__(self):
        object.__setattr__(self, "blocked", tuple(self.blocked))
        open_ = [p for p in GRADER_PACKAGES if p not in self.blocked]
        if open_:  # they hold the reference answers
            raise GradproofError(f"blocked must hold the grader's packages, got {self.blocked!r} without {open_[0]!r}")

    @classmethod
    def allowing(cls, allow=(), limits: Limits = Limits()) -> "Sandbox":
        """The sandbox with the frameworks in ``allow`` importable (``--allow``); GradproofError for a name
        that is not a blocked framework."""
        for name in allow:
            one_of("allow", name, FRAMEWORKS)
        return cls(limits, tuple(b for b in BLOCKED if b not in set(allow)))


def _preexec(spec: dict):
    """Spawn mode: the same limits the fork server applies, set between fork and exec."""
    def apply():
        _limits(spec)
        os.chdir(spec["workdir"])
    return apply


def _start(limits: Limits, spec: dict, wfd: int):
    """Start the child; returns (pid, Popen or None, stdin write fd, stdout read fd)."""
    if limits.mode == "zygote":
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            pid = ForkServer.spawn([in_r, out_w, wfd], spec)
        finally:
            os.close(in_r), os.close(out_w)
        return pid, None, in_w, out_r
    proc = subprocess.Popen([sys.executable, "-I", CHILD, str(wfd)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, pass_fds=(wfd,), env=ENV, cwd="/",
                            preexec_fn=_preexec(spec), start_new_session=True)
    return proc.pid, proc, os.dup(proc.stdin.fileno()), os.dup(proc.stdout.fileno())


def run_function(files: dict[str, bytes], module: str, func: str, calls: list[dict], arrays: dict[str, np.ndarray],
                 limits: Limits = Limits(), blocked=BLOCKED) -> ChildRun:
    """Run ``module.func`` on every call in one fresh child; arrays are keyed ``"{call}.{name}"``."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    uid = child_uid() if os.geteuid() == 0 else None
    mode = isolation(limits)
    if mode != "namespace":
        warn_readable()
    header = json.dumps({"module": module, "func": func, "calls": calls, "blocked": list(blocked),
                         "stubs": list(limits.stubs), "uid": uid}).encode()
    base = tempfile.mkdtemp(prefix="gradproof-sub-")
    try:
        spec = limits.child_spec(base)
        if mode == "namespace":
            # the grader's copy stays root's; the child copies it into its private tmpfs (``_jail``)
            os.mkdir(os.path.join(base, "root"), 0o700)
            spec.update(workdir=make_workdir(files, None, os.path.join(base, "work")), uid=uid,
                        jail={"root": os.path.join(base, "root"), "hide": grader_dirs(),
                              "tmp_mb": limits.tmp_mb, "work_mb": limits.work_mb})
        else:
            make_workdir(files, uid, base)
        return _run_in(spec, header + b"\n" + buf.getvalue(), expected_names(calls), limits)
    finally:
        # whatever ends the run (a Ctrl-C in the drain included), the submission's copy does not outlive it
        remove_tree(base)
        if uid is not None and mode != "namespace":
            remove_left_behind(uid)


def _run_in(spec: dict, payload: bytes, expected: list[set], limits: Limits) -> ChildRun:
    rfd, wfd = os.pipe()
    start, run = time.monotonic(), ChildRun()
    try:
        pid, proc, in_w, out_r = _start(limits, spec, wfd)
    except BaseException:
        os.close(rfd)
        raise
    finally:
        os.close(wfd)
    if proc is not None:
        proc.stdin.close(), proc.stdout.close()
    try:
        try:
            with open(in_w, "wb", closefd=True) as fh:
                fh.write(payload)
        except OSError:
            pass  # the child died before reading its input: reported below as missing results
        stream, output, why = _drain(out_r, rfd, limits, start)
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever it left running in its session goes too
        except (ProcessLookupError, PermissionError):
            pass
    code = proc.wait() if proc is not None else None
    _parse(stream, run, expected)
    run.output = clean(output.decode("utf-8", "replace"))
    run.seconds = time.monotonic() - start
    if why is None and len(run.results.keys() | run.errors.keys()) < len(expected):  # a call may be in both
        why = ended(code)
    if why and run.fatal is None:
        run.fatal = why
    return run


def _drain(out_r: int, rfd: int, limits: Limits, start: float):
    """Read results and output until both pipes close or the deadline passes; never blocks on a flood."""
    sel = selectors.DefaultSelector()
    sel.register(rfd, selectors.EVENT_READ, "res")
    sel.register(out_r, selectors.EVENT_READ, "out")
    stream, output, why = bytearray(), bytearray(), None
    open_fds = 2
    while open_fds:
        left = limits.wall_s - (time.monotonic() - start)
        if left <= 0:
            why = (f"timed out after {limits.wall_s:g} s of wall-clock time without finishing (waiting or "
                   f"sleeping: the budget is {limits.timeout_s:g} s of CPU time)")
            break
        for key, _ in sel.select(timeout=min(left, 0.5)):
            fd = key.fd
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                sel.unregister(fd)
                open_fds -= 1
            elif key.data == "res":
                stream += chunk
                if len(stream) > limits.result_bytes:
                    why, open_fds = f"returned more than {limits.result_bytes} bytes of results", 0
                    break
            elif len(output) < limits.output_bytes:
                output += chunk[: limits.output_bytes - len(output)]
    sel.close()
    os.close(rfd), os.close(out_r)
    if len(output) >= limits.output_bytes:
        output += b"\n[output cut]"
    return bytes(stream), bytes(output), why
