"""The harness that runs inside the sandbox child: call one student function on the inputs it is sent.

Run as a script: ``python -I _child.py FD`` (one child) or ``python -I _child.py --zygote SOCKET`` (the
fork server of ``forkserver.py``, whose forks run ``main``); the grader imports only ``_limits`` and
``SANDBOX_FAILED`` from it. Its two helpers, ``_calls.py`` (one call and its frame) and ``_tripwires.py``
(audit hook, import blocker, stubs), are loaded by path (``_sibling``). A child reads a JSON header line and then ``.npz`` bytes from stdin, imports the submission, applies
its limits, drops privileges, installs its audit hook, and for every call writes one frame
to file descriptor FD: ``GPF1 {json}\\n`` followed by ``.npy`` bytes. The parent trusts nothing in
these frames except arrays, which it loads with ``allow_pickle=False`` and compares itself; the error
text in a frame is shown to the student, never scored. The student's code runs in this process and
may tamper with anything here: that is why nothing decided here counts.

What confines the student's code is the operating system, and only when the grader runs as root:
the child drops to a uid and gid of its own (chosen by the parent, unused by anyone else), so the
kernel stops it from signalling or reading the grader and every other child, and its rlimits cap
memory, CPU, file size and processes (none). The audit hook and the import blocker installed here
are tripwires that turn a naive ``import torch`` or ``os.system`` into a clear message; Python's
audit hooks are not a security boundary, and a submission that sets out to defeat them can (through
a closure cell, ``ctypes`` already loaded by a library, or an event that CPython never audits such
as ``os.pidfd_open``). Without root there is no uid separation: the child runs as the grader's user.
"""
import importlib.util
import io
import json
import os
import resource
import signal
import socket
import sys

import numpy as np  # the fork server loads it once; every child shares the copy, copy-on-write


def _sibling(name: str):
    """A module of this folder, loaded by its path: ``python -I`` keeps this script's folder off sys.path,
    and a child must not be able to import the grader's package (its import blocker refuses it), so the
    child's own helpers come in by path, before any student code, and stay out of ``sys.modules``."""
    spec = importlib.util.spec_from_file_location(f"_gradproof{name}", os.path.join(os.path.dirname(
        os.path.abspath(__file__)), name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_calls = _sibling("_calls")
_tripwires = _sibling("_tripwires")
SANDBOX_FAILED = "the sandbox could not be set up"
_JAIL = {}
_SERVER = []  # in a fork-server child: the server's pid
PRELOAD = ("math", "itertools", "functools", "collections", "copy", "typing", "random", "time", "re", "warnings",
           "numpy.lib.stride_tricks", "numpy.linalg", "numpy.random", "dataclasses", "traceback", "signal",
           "subprocess", "pickle", "string", "operator", "heapq", "bisect", "contextlib")


class CPUTimeLimit(BaseException):
    """Raised in the student's code at the CPU limit; a BaseException, so ``except Exception`` in a
    submission does not swallow it (one that catches everything meets the hard limit a second later)."""


def _stop_at_cpu_limit(seconds: int) -> None:
    """Turn the soft CPU limit's SIGXCPU into an error for the call that is running, in words."""
    def raise_limit(signum, frame):
        raise CPUTimeLimit(f"timed out: used its {seconds} s of CPU time (an infinite loop, or far too slow)")

    if seconds != -1:  # RLIM_INFINITY: a child started without limits (tests of the protocol)
        signal.signal(signal.SIGXCPU, raise_limit)


def main(fd: int):
    """Grade-side protocol of one child: inputs on stdin, one frame per call on ``fd``."""
    out = os.fdopen(fd, "wb", buffering=0)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # what was printed before a hang or a kill still shows
    header = json.loads(sys.stdin.buffer.readline())
    blob = sys.stdin.buffer.read()
    arrays = dict(np.load(io.BytesIO(blob), allow_pickle=False))
    # Load what naive student code imports while the interpreter's files are still readable (cheap
    # modules only: every millisecond here is paid once per student function), then drop to the uid
    # the parent chose for this child alone: the kernel then refuses it the grader's and the other
    # children's processes and files, and a process limit of zero means no fork at all for that uid.
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    if os.geteuid() == 0:
        uid = int(header["uid"])  # missing: the child fails, and a child that fails never scores
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if "jail" in _JAIL:
            _JAIL["jail"].after_drop()
        elif _SERVER:
            _die_with_parent(_SERVER[0])  # set again: the change of uid cleared it
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    _tripwires.stub_imports(set(header.get("stubs", ())) - set(header["blocked"]))
    _tripwires.block_imports(set(header["blocked"]))  # first on sys.meta_path: a stub never stands in for a blocked name
    readable = tuple(os.path.join(os.path.realpath(p), "") for p in {os.getcwd(), sys.prefix, sys.base_prefix,
                                                                       sys.exec_prefix, sys.base_exec_prefix})
    if "jail" in _JAIL:
        readable += ("/tmp/", "/dev/shm/")  # private to this child and size-limited in namespace mode
    _stop_at_cpu_limit(resource.getrlimit(resource.RLIMIT_CPU)[0])
    sys.addaudithook(_tripwires.tripwire(_tripwires.BLOCKED_EVENTS, readable))
    sys.path.insert(0, os.getcwd())
    sys.argv = ["submission"]
    try:
        mod = _calls.load_module(header["module"])
        func = getattr(mod, header["func"].partition(".")[0])  # "Conv3x3.forward": the class (``run_method``)
    except BaseException as exc:  # noqa: BLE001 - a SyntaxError or sys.exit at import is the student's
        hint = _tripwires.missing_hint(exc, header["blocked"], header["module"].rpartition("/")[2])
        _calls.write_frame(out, -1, {}, f"{type(exc).__name__}: {exc}{hint}")
        return
    for index, call in enumerate(header["calls"]):
        try:
            arrs, err = _calls.run_call(mod, func, call, arrays, index)
        except BaseException as exc:  # noqa: BLE001
            arrs, err = {}, f"{type(exc).__name__}: {exc}"
        try:
            _calls.write_frame(out, index, arrs, err)
        except BaseException as exc:  # noqa: BLE001 - e.g. an object array that cannot be saved
            _calls.write_frame(out, index, {}, f"could not return the result: {type(exc).__name__}: {exc}")


def _limits(spec):
    mem, cpu = spec["memory_mb"] << 20, spec["cpu_s"]
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _jail():
    """``_jail.py``, loaded once per fork server (only namespace mode needs it, and it loads ctypes)."""
    if "jail" not in _JAIL:
        _JAIL["jail"] = _sibling("_jail")
    return _JAIL["jail"]


def _enter_jail(spec):
    """Namespace mode (``_jail.py``); a failure is reported on the result channel as the sandbox's, not
    the student's, so the grader's self-test can say what the host lacks."""
    try:
        _jail().enter(spec)
    except BaseException as exc:  # noqa: BLE001 - whatever failed, no student code runs
        _calls.write_frame(os.fdopen(3, "wb", buffering=0, closefd=False), -1, {}, f"{SANDBOX_FAILED}: {exc}")
        os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Killed when ``parent`` dies (PR_SET_PDEATHSIG; cleared by a change of uid, so set again after
    one); if it is already gone, exit now. ctypes is loaded in the fork server for this and for the
    namespaces; a child's audit hook refuses every foreign call a submission would make with it."""
    import ctypes  # only a fork-server child needs it: a spawned child never loads it for the student

    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def zygote(sock_fd: int):
    """Fork server: a clean interpreter with numpy loaded forks one child per request.

    The zygote never runs student code, so every child starts from the same pristine state and skips
    the numpy import (the bulk of a child's cost). A request is JSON (workdir, limits) plus three
    descriptors: the child's stdin, its stdout/stderr, its result pipe. The reply is the child's pid.
    """
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    me = os.getpid()  # the server ends when its grader does (its socket closes); its children die with it
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    exit_ = os._exit  # a local: a submission that rebinds this module's ``os`` cannot keep its child alive
    sock = socket.socket(fileno=sock_fd)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            return
        if not msg or len(fds) != 3:
            return
        spec = json.loads(msg)
        if spec.get("jail"):
            try:
                _jail().plan(spec["jail"]["hide"])  # once, here: every child inherits it
            except BaseException:  # noqa: BLE001 - the child reports it on its result channel
                pass
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                _SERVER.append(me)
                _die_with_parent(me)
                try:
                    with open("/proc/self/oom_score_adj", "w") as fh:
                        fh.write("1000")  # under memory pressure the OOM killer takes a child first
                except OSError:
                    pass
                os.dup2(fds[0], 0)
                os.dup2(fds[1], 1)
                os.dup2(fds[1], 2)
                os.dup2(fds[2], 3)
                os.closerange(4, 1 << 16)  # the zygote's socket too: a child must not ask for more children
                if spec.get("jail"):
                    _enter_jail(spec)  # returns only in the jailed grandchild, inside its private root
                else:
                    os.chdir(spec["workdir"])
                _limits(spec)
                main(3)
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except BaseException:  # noqa: BLE001 - exiting regardless
                        pass
                exit_(0)
        for fd in fds:
            os.close(fd)
        sock.sendall(f"{pid}\n".encode())


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        zygote(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]))
