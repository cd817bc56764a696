"""Run one student function in a fresh, limited child interpreter and read back only numeric arrays.

The child (``_child.py``: forked by the fork server in ``forkserver.py``, or in ``mode="spawn"`` a new
``sys.executable -I`` each time) gets the submission's files in an empty
temporary directory, the input arrays on stdin, and a pipe to write results to. Limits (defaults in
``Limits``): wall-clock timeout, CPU seconds, address space (RLIMIT_AS), file size, no new processes
(RLIMIT_NPROC 0 in the child).

The boundary, when the grader runs as root: every child gets a uid and gid of its own, fresh for each
call and in no passwd entry (``CHILD_UIDS``), and its working directory is owned by that uid with mode
0700. After loading numpy and the stdlib modules students import, the child drops to that uid before
any student code runs, so the kernel stops it from signalling or reading the grader, the fork server
and every other child, and from reading files that are not readable by others, which is why the
grader's own packages must not be (``templates.setup_sh`` removes their group and other permissions;
this module warns once on stderr when they are readable). An audit hook (refusing fork, exec, kill,
ctypes, sockets, reading outside the workdir and the Python installation) and an import blocker
(torch, the grader's packages) are tripwires for naive code, not part of the boundary: Python's audit
hooks can be defeated by a submission that tries.

Not as root there is no uid separation: a child runs as the grader's user and can signal the grader and
the other children and read whatever that user can read (the grader's reference code included), held
back only by the tripwires. Grade untrusted submissions as root or inside a container or VM.

Stdout and stderr are drained while the child runs and kept only up to ``Limits.output_bytes``.
Results are ``.npy`` bytes loaded with ``allow_pickle=False``; exit codes and printed text are never
read as results.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import GRADER_PACKAGES
from ._child import SANDBOX_FAILED, _limits
from .forkserver import CHILD, ENV, ForkServer

BLOCKED = (*GRADER_PACKAGES, "torch", "jax", "jaxlib", "tensorflow", "autograd")
# Child uids and gids: far above any range useradd hands out (1000-60000 by default, 65534 for nobody),
# drawn at random for every call from 2**30 values, so that no real user shares one and two children
# running at once share one with odds of about jobs**2 / 2**31.
CHILD_UIDS = range(2_000_000, 2_000_000 + (1 << 30))
_warned = []
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


class SandboxError(ValueError):
    """The sandbox cannot grade on this host; the message says why and what to do."""


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


def self_test(limits: "Limits" = None, blocked=BLOCKED) -> str:
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


def sandbox_limits(args, blocked=BLOCKED) -> "Limits":
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

    timeout_s: float = 10.0       # wall clock per child (one student function on its whole battery)
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

    def child_spec(self, workdir: str) -> dict:
        """What the child needs to limit itself: the CPU limit leaves the wall clock room to act first."""
        return {"workdir": workdir, "memory_mb": self.memory_mb, "cpu_s": int(self.timeout_s) + 2}


@dataclass
class ChildRun:
    """What came back: arrays and error text per call index, plus how the child ended."""

    results: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    fatal: str | None = None      # import failure, timeout, crash: the calls without a frame fail with it
    output: str = ""
    seconds: float = 0.0


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


MAX_NDIM = 8              # results are at most 4-D; a few more leaves room for a student's odd shape
MAX_ERROR_CHARS = 4000    # a traceback's last line is what the report shows; 20 MB of it is a flood
MAX_HEAD_BYTES = 1 << 16  # one frame's JSON header


def expected_names(calls: list[dict]) -> list[set]:
    """The array names a child may send back for each call: its returned values and its input arrays."""
    out = []
    for call in calls:
        names = {f"r{j}" for j in call.get("keep", range(call["nout"]))}
        stack = list(call["args"])
        while stack:
            item = stack.pop()
            if "a" in item:
                names.add(f"in.{item['a']}")
            stack += item.get("t", [])
        out.append(names)
    return out


def _array(blob: bytes) -> np.ndarray:
    """One returned array, refused unless it is a plain numeric array of bounded rank."""
    a = np.load(io.BytesIO(blob), allow_pickle=False)
    if not isinstance(a, np.ndarray) or a.dtype.fields is not None or a.dtype.subdtype is not None \
            or a.dtype.kind not in "biufc":
        raise ValueError(f"not a plain numeric array (dtype {str(a.dtype)[:60]})")
    if a.ndim > MAX_NDIM:
        raise ValueError(f"{a.ndim} dimensions (at most {MAX_NDIM})")
    return a


def _parse(stream: bytes, run: ChildRun, expected: list[set] | None = None) -> None:
    """Split the result stream into frames; anything malformed ends the parse (and costs only the child).

    Everything here is hostile: a frame must name a call that exists, once, and only the arrays that
    call may return (``expected``); headers, error text and array kinds are bounded before use, so
    a submission cannot make the grader spend memory or time it does not spend on an honest one.
    """
    pos, index, seen = 0, -2, set()
    while pos < len(stream):
        end = stream.find(b"\n", pos, pos + 5 + MAX_HEAD_BYTES)
        if not stream.startswith(b"GPF1 ", pos) or end < 0:
            break
        try:
            head = json.loads(stream[pos + 5 : end])
            index, error, listed = int(head["i"]), head.get("error"), head["arrays"]
            if index in seen or not -1 <= index < (len(expected) if expected is not None else 1 << 30):
                raise ValueError(f"a frame for call {index}, which was not asked for or already answered")
            seen.add(index)
            allowed = expected[index] if expected is not None and index >= 0 else None
            if not isinstance(listed, list) or (allowed is not None and len(listed) > len(allowed)) \
                    or (index == -1 and listed):
                raise ValueError("more arrays than the call returns")
            pos, arrays = end + 1, {}
            for name, n in listed:
                name, n = str(name), int(n)
                if name in arrays:
                    raise ValueError(f"the array {name[:40]!r} sent twice")
                if (allowed is not None and name not in allowed) or not 0 < n <= len(stream) - pos:
                    raise ValueError(f"an array named {name[:40]!r} that the call does not return")
                arrays[name] = _array(stream[pos : pos + n])
                pos += n
        except Exception as exc:  # noqa: BLE001 - pickled/object/structured arrays and garbage land here
            run.errors.setdefault(index, f"unreadable result: {str(exc)[:200]}")
            break
        error = None if error is None else _capped(str(error))
        if index == -1 and str(error).startswith(SANDBOX_FAILED):
            run.fatal = error
        elif index == -1:
            run.fatal = f"the submission could not be loaded: {error}"
        elif error:
            run.errors[index] = error
        else:
            run.results[index] = arrays


# C0 and C1 control characters but tab and newline: terminal escapes (clear the screen, a fake score,
# clipboard writes) and the characters that make an XML report unparseable never leave the child's text.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0d, 0x20), *range(0x7f, 0xa0)]}


def clean(text: str) -> str:
    r"""A child's text with control characters replaced (U+FFFD), so no report format can be spoofed by it.

    >>> clean("ok\x1b[2J\tdone\n") == "ok\ufffd[2J\tdone\n"
    True
    """
    return text.translate(_CONTROLS)


def _capped(text: str) -> str:
    text = clean(text)
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return text[: MAX_ERROR_CHARS // 2] + f" [... {len(text) - MAX_ERROR_CHARS} characters cut ...] " + \
        text[-MAX_ERROR_CHARS // 2:]


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
    if why is None and len(run.results) + len(run.errors) < len(expected):
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
        left = limits.timeout_s - (time.monotonic() - start)
        if left <= 0:
            why = f"timed out after {limits.timeout_s:g} s (an infinite loop, or far too slow)"
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
