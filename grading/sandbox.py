"""Run one student function in a fresh, limited child interpreter and read back only numeric arrays.

The child (``_child.py``: forked by the fork server in ``forkserver.py``, or in ``mode="spawn"`` a new
``sys.executable -I`` each time) gets the submission's files in an empty
temporary directory, the input arrays on stdin, and a pipe to write results to. Limits (defaults in
``Limits``): wall-clock timeout, CPU seconds, address space (RLIMIT_AS), file size, no new processes
(RLIMIT_NPROC 0 in the child).

The boundary depends on the mode (``isolation``, described in ``MODES``). As root on Linux with
namespaces (namespace mode), every child also enters private mount, PID, network and IPC namespaces
and a root of its own holding only Python, numpy and a private copy of its files (``_jail.py``).
As root without them (uid mode), every child gets a uid and gid of its own, fresh for each call and
in no passwd entry (``CHILD_UIDS``), and a working directory only that uid can open: the kernel stops
it from signalling or reading the grader, the fork server and every other child, and from reading
files not readable by others, which is why the grader's own packages must not be (``setup.sh``;
this module warns once when they are); what its uid leaves in the shared temporary folders is removed
when it ends. An audit hook and an import blocker are tripwires in every mode, not the boundary.
Not as root there is no uid separation: a child runs as the grader's user. ``selftest.self_test``
checks the sandbox before grading; ``frames`` reads what a child sends back, as hostile input.

Stdout and stderr are drained while the child runs and kept only up to ``Limits.output_bytes``.
Results are ``.npy`` bytes loaded with ``allow_pickle=False``; exit codes and printed text are never
read as results.
"""
from __future__ import annotations

import io
import json
import math
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import GRADER_PACKAGES
from ._child import _limits
from .frames import ChildRun, _parse, clean, expected_names
from .forkserver import CHILD, ENV, ForkServer

BLOCKED = (*GRADER_PACKAGES, "torch", "jax", "jaxlib", "tensorflow", "autograd")
# Child uids and gids: far above any range useradd hands out (1000-60000 by default, 65534 for nobody),
# drawn at random for every call from 2**30 values, so that no real user shares one and two children
# running at once share one with odds of about jobs**2 / 2**31.
CHILD_UIDS = range(2_000_000, 2_000_000 + (1 << 30))
_warned = []
# The wall clock allows this many times the CPU budget (see Limits.wall_s). On this project's 2-core
# machines under a full test load, wall time ran at 3-8x CPU time; a correct function uses a small part of
# its CPU budget (naive loops: about 0.5 s of the default 10), so 3x leaves it room even then.
WALL_FACTOR = 3
_probe = {}


# What each isolation mode guarantees; ``grade`` prints the one it runs in, the README repeats them.
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


def isolation(limits: "Limits") -> str:
    """The mode a child of these limits runs in: ``namespace``, ``uid`` or ``none`` (see ``MODES``)."""
    if os.geteuid() != 0:
        return "none"
    if limits.isolation == "uid" or limits.mode == "spawn":
        return "uid"
    if limits.isolation == "namespace" or namespaces_available():
        return "namespace"
    return "uid"


def _grader_dirs() -> list[str]:
    """Every folder of the grader's packages (hidden from a namespaced child wherever they lie)."""
    if "dirs" not in _probe:
        import importlib.util

        _probe["dirs"] = sorted({os.path.realpath(d) for name in GRADER_PACKAGES
                                 for spec in [importlib.util.find_spec(name)] if spec
                                 for d in spec.submodule_search_locations or []})
    return _probe["dirs"]


def _child_uid() -> int:
    return CHILD_UIDS.start + secrets.randbelow(len(CHILD_UIDS))


def readable_packages() -> list[str]:
    """The grader's package directories that users other than their owner can read or enter."""
    import importlib.util

    out = []
    for name in GRADER_PACKAGES:
        spec = importlib.util.find_spec(name)
        for d in (spec.submodule_search_locations or []) if spec else []:
            if os.stat(d).st_mode & 0o005:
                out.append(d)
    return out


def _warn_readable() -> None:
    """Once per process, as root: say so when a child could read the grader's reference code."""
    if _warned or os.geteuid() != 0:
        return
    _warned.append(True)
    open_dirs = readable_packages()
    if open_dirs:
        print(f"gradproof: warning: the grader's packages are readable by other users ({', '.join(open_dirs)}): "
              "a submission that removes the import blocker could import their reference answers; run "
              "chmod -R go-rwx on them (setup.sh does)", file=sys.stderr)


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
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s!r}")
        if self.mode not in ("zygote", "spawn"):
            raise ValueError(f"mode must be 'zygote' or 'spawn', got {self.mode!r}")
        if self.isolation not in ("auto", "namespace", "uid"):
            raise ValueError(f"isolation must be 'auto', 'namespace' or 'uid', got {self.isolation!r}")
        if self.isolation == "namespace" and self.mode == "spawn":
            raise ValueError("isolation 'namespace' needs mode 'zygote' (the fork server builds the namespaces)")
        bad = [s for s in self.stubs if not str(s).isidentifier() or s in BLOCKED]
        if bad:
            raise ValueError(f"stubs must be importable names that are not blocked, got {bad[0]!r}")
        if self.memory_mb < 256:
            raise ValueError(f"memory_mb must be >= 256 (numpy needs it), got {self.memory_mb!r}")

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



def _preexec(spec: dict):
    """Spawn mode: the same limits the fork server applies, set between fork and exec."""
    def apply():
        _limits(spec)
        os.chdir(spec["workdir"])
    return apply


def _workdir(files: dict[str, bytes], uid: int | None, d: str | None = None) -> str:
    """The submission's files in a fresh directory (mode 0700) owned by the child's uid when there is one."""
    d = d or tempfile.mkdtemp(prefix="gradproof-sub-")
    os.makedirs(d, mode=0o700, exist_ok=True)
    made = [d]
    for name, data in files.items():
        target = Path(d, name)
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ValueError(f"file name {name!r} leaves the submission's folder")
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
    uid = _child_uid() if os.geteuid() == 0 else None
    mode = isolation(limits)
    if mode != "namespace":
        _warn_readable()
    header = json.dumps({"module": module, "func": func, "calls": calls, "blocked": list(blocked),
                         "stubs": list(limits.stubs), "uid": uid}).encode()
    base = tempfile.mkdtemp(prefix="gradproof-sub-")
    try:
        spec = limits.child_spec(base)
        if mode == "namespace":
            # the grader's copy stays root's; the child copies it into its private tmpfs (``_jail``)
            os.mkdir(os.path.join(base, "root"), 0o700)
            spec.update(workdir=_workdir(files, None, os.path.join(base, "work")), uid=uid,
                        jail={"root": os.path.join(base, "root"), "hide": _grader_dirs(),
                              "tmp_mb": limits.tmp_mb, "work_mb": limits.work_mb})
        else:
            _workdir(files, uid, base)
        return _run_in(spec, header + b"\n" + buf.getvalue(), expected_names(calls), limits)
    finally:
        # whatever ends the run (a Ctrl-C in the drain included), the submission's copy does not outlive it
        remove_tree(base)
        if uid is not None and mode != "namespace":
            _remove_left_behind(uid)


SHARED_DIRS = ("/dev/shm", "/tmp", "/var/tmp")


def _remove_left_behind(uid: int) -> None:
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
        why = _died(code)
    if why and run.fatal is None:
        run.fatal = why
    return run


def _died(code: int | None) -> str:
    if code is None:  # a fork-server child: the grader is not its parent and never sees its status
        return ("the child process ended before returning every result (an exit or a crash is never a pass: "
                "only returned arrays count)")
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed)", "SIGSEGV": " (crashed)"}.get(name, "")
        return f"the child process ended with signal {name}{hint}"
    return (f"the child process exited with status {code} before returning every result "
            "(an exit is never a pass: only returned arrays count)")


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
