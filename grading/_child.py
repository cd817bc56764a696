"""The harness that runs inside the sandbox child: call one student function on the inputs it is sent.

Run as a script: ``python -I _child.py FD`` (one child) or ``python -I _child.py --zygote SOCKET`` (the
fork server of ``forkserver.py``, whose forks run ``main``); the grader imports only ``_limits`` from
it. A child reads a JSON header line and then ``.npz`` bytes from stdin, imports the submission, applies
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
import io
import json
import os
import sys

# Audited events a submission has no business raising (sockets are refused at creation, not import,
# so ``import socket`` through a library stays harmless). os.pidfd_open and signal.pidfd_send_signal
# raise no audit event in CPython, so they cannot be listed here: the per-child uid is what stops them.
BLOCKED_EVENTS = ("os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "subprocess.Popen", "os.kill", "os.killpg", "signal.pthread_kill", "ctypes.dlopen",
                  "ctypes.dlsym", "ctypes.call_function", "socket.connect", "socket.bind", "pty.spawn",
                  "gc.get_objects", "gc.get_referrers", "gc.get_referents", "socket.__new__", "socket.sendto",
                  "socket.sendmsg", "socket.getaddrinfo", "os.symlink", "os.link")
# os.mkfifo and os.mknod raise no audit event either: a FIFO can only be made where the child's uid may
# write (its own folder, which the grader never reads; a private tmpfs in namespace mode).
# Events whose first argument is a path: refused outside the working folder and the Python installation.
PATH_EVENTS = ("open", "os.listdir", "os.scandir", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.chdir",
               "os.chmod", "os.chown", "os.utime", "glob.glob")
SANDBOX_FAILED = "the sandbox could not be set up"
_JAIL = {}
_SERVER = []  # in a fork-server child: the server's pid
PRELOAD = ("math", "itertools", "functools", "collections", "copy", "typing", "random", "time", "re", "warnings",
           "numpy.lib.stride_tricks", "numpy.linalg", "numpy.random", "dataclasses", "traceback", "signal",
           "subprocess", "pickle", "string", "operator", "heapq", "bisect", "contextlib")


def _write(out, index, arrays, error):
    """One frame: a JSON header naming the arrays and their byte lengths, then the ``.npy`` bytes."""
    import numpy as np

    blobs, names = [], []
    for name, a in arrays.items():
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        blobs.append(buf.getvalue())
        names.append([name, len(blobs[-1])])
    if error is not None and len(error) > 4000:  # the grader refuses frames with longer headers
        error = error[:2000] + f" [... {len(error) - 4000} characters cut ...] " + error[-2000:]
    head = json.dumps({"i": index, "arrays": names, "error": error}).encode()
    out.write(b"GPF1 " + head + b"\n" + b"".join(blobs))


def _block_imports(names):
    """Make ``import torch`` (and the grader's own packages) fail with a message that says why.

    A tripwire for honest mistakes: a submission can take the blocker out of ``sys.meta_path``. What
    keeps the grader's packages (and their reference answers) from it is that, installed as
    ``templates.setup_sh`` does, their files are not readable by the child's uid.
    """
    class Blocker:
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in names:
                raise ImportError(f"importing {fullname.split('.')[0]} is not allowed in this assignment")
            return None

    sys.meta_path.insert(0, Blocker())
    for name in list(sys.modules):
        if name.split(".")[0] in names:
            del sys.modules[name]


def _missing_hint(exc, blocked, own) -> str:
    """A package the grader does not have is the instructor's to settle, and the message says how."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or not name or name in blocked or name == own:
        return ""
    if name in sys.stdlib_module_names:
        return (f" (the standard library's {name} cannot be read inside the sandbox: a fault of the grader's "
                "installation, not of this submission; the grader's self-test reports it to the instructor)")
    return (f" (the package {name} is not installed where the grader runs: if your functions do not need it, "
            f"your instructor can grade with --stub {name}, which replaces it with an empty module)")


class _Stub:
    """What a stubbed package hands out: anything called, indexed or looked up on it is another stub."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _stub_imports(names):
    """``--stub NAME``: NAME and its submodules import as empty modules (plotting a submission does at
    import time, e.g. ``plt.rcParams[...] = ...``, goes nowhere)."""
    if not names:
        return
    import importlib.abc
    import importlib.machinery

    class StubLoader(importlib.abc.Loader):
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            module.__path__ = []
            module.__getattr__ = lambda attr: _Stub()

    class StubFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in names:
                return importlib.machinery.ModuleSpec(fullname, StubLoader(), is_package=True)
            return None

    sys.meta_path.insert(0, StubFinder())


def _tripwire(blocked: tuple, readable: tuple):
    """The audit hook: refuses the listed events, and opening, listing or making paths outside ``readable``.

    Everything it uses is bound here, in its closure, when it is made: rebinding ``os`` in ``__main__``
    or ``builtins.isinstance`` does not switch it off. A determined submission can still rewrite the
    closure's cells (see the module docstring): the hook is a tripwire; the boundary is the kernel's.
    """
    realpath, fsdecode, fspath, str_, bytes_, int_ = os.path.realpath, os.fsdecode, os.fspath, str, bytes, int
    isinstance_, tuple_, PermissionError_ = isinstance, tuple, PermissionError
    quiet = ("/dev/null", "/dev/urandom")

    def outside(arg):
        if isinstance_(arg, int_):
            return False  # an open descriptor: its path was checked when it was opened
        path = realpath(fsdecode(fspath(arg)))
        return not ((path + "/").startswith(readable) or path in quiet)

    def audit(event, args):
        # An audit hook cannot be removed once installed.
        if event.startswith(blocked):
            raise PermissionError_(f"{event} is not allowed while grading")
        if event in PATH_EVENTS and args and isinstance_(args[0], (str_, bytes_, int_)) and outside(args[0]):
            raise PermissionError_(f"{event} outside the submission's folder is not allowed while grading "
                                   f"({fsdecode(args[0]) if not isinstance_(args[0], int_) else args[0]})")
    return audit


def _arg(item, arrays, index):
    """Build one positional argument: a fresh copy of an input array, or a JSON literal."""
    if "a" in item:
        return arrays[f"{index}.{item['a']}"].copy()
    if "t" in item:
        return tuple(_arg(x, arrays, index) for x in item["t"])
    return item["v"]


def _load(module):
    """Import the submission from ``dir/name``: its folder and the submission's top folder are on the path
    (so ``import im2col`` and ``from cs231n.im2col import ...`` both work); a file named like an
    already-loaded module (copy.py) is loaded by path."""
    folder, _, name = module.rpartition("/")
    if folder:
        sys.path.insert(0, os.path.join(os.getcwd(), folder))
    if name not in sys.modules:
        return __import__(name)
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_submission_{name}", os.path.join(os.getcwd(), module + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CPUTimeLimit(BaseException):
    """Raised in the student's code at the CPU limit; a BaseException, so ``except Exception`` in a
    submission does not swallow it (one that catches everything meets the hard limit a second later)."""


def _stop_at_cpu_limit(seconds: int) -> None:
    """Turn the soft CPU limit's SIGXCPU into an error for the call that is running, in words."""
    import signal

    def raise_limit(signum, frame):
        raise CPUTimeLimit(f"timed out: used its {seconds} s of CPU time (an infinite loop, or far too slow)")

    if seconds != -1:  # RLIM_INFINITY: a child started without limits (tests of the protocol)
        signal.signal(signal.SIGXCPU, raise_limit)


def _run_call(mod, func, call, arrays, index):
    """Call the function once; returns (arrays to send back, error text or None)."""
    import numpy as np

    args = [_arg(item, arrays, index) for item in call["args"]]
    if "cache_from" in call:
        # cs231n: the backward receives the cache of the student's own forward; if that forward
        # cannot run, the cache the assignment describes is used so the backward still gets graded.
        cache_args = [_arg(item, arrays, index) for item in call["cache_args"]]
        try:
            res = getattr(mod, call["cache_from"])(*cache_args)
            cache = res[1] if isinstance(res, tuple) and len(res) == 2 else _arg({"t": call["fallback"]}, arrays, index)
        except BaseException:  # noqa: BLE001 - any failure of the forward, even SystemExit
            cache = _arg({"t": call["fallback"]}, arrays, index)
        args.append(cache)
    inputs = {item["a"]: a for item, a in zip(call["args"], args) if "a" in item}
    res = func(*args)
    nout = call["nout"]
    if nout == 1:
        res = (res,)
    elif not isinstance(res, (tuple, list)) or len(res) != nout:
        got = (f"a {type(res).__name__} of {len(res)} value{'s' * (len(res) != 1)}"
               if isinstance(res, (tuple, list)) else f"one {type(res).__name__}")
        return {}, f"expected {nout} return values, got {got}"
    keep = call.get("keep", list(range(nout)))
    out, bad = {}, []
    for j in keep:  # a value that is no numeric array costs its own part only, not its neighbours
        try:
            a = np.asarray(res[j])
        except ValueError:  # a ragged list: numpy's "inhomogeneous shape" says nothing to a student
            bad.append(f"return value {j + 1} is a ragged list, not an array")
            continue
        if a.dtype.kind not in "biufc":
            bad.append(f"return value {j + 1} is not a numeric array (got "
                       f"{'None' if res[j] is None else type(res[j]).__name__ + ' of dtype ' + str(a.dtype)})")
            continue
        out[f"r{j}"] = a
    for name, a in inputs.items():
        out[f"in.{name}"] = np.asarray(a)
    return out, "; ".join(bad) or None


def main(fd: int):
    """Grade-side protocol of one child: inputs on stdin, one frame per call on ``fd``."""
    out = os.fdopen(fd, "wb", buffering=0)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # what was printed before a hang or a kill still shows
    header = json.loads(sys.stdin.buffer.readline())
    blob = sys.stdin.buffer.read()
    import numpy as np
    import resource

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
    _stub_imports(set(header.get("stubs", ())) - set(header["blocked"]))
    _block_imports(set(header["blocked"]))  # first on sys.meta_path: a stub never stands in for a blocked name
    readable = tuple(os.path.join(os.path.realpath(p), "") for p in {os.getcwd(), sys.prefix, sys.base_prefix,
                                                                       sys.exec_prefix, sys.base_exec_prefix})
    if "jail" in _JAIL:
        readable += ("/tmp/", "/dev/shm/")  # private to this child and size-limited in namespace mode
    _stop_at_cpu_limit(resource.getrlimit(resource.RLIMIT_CPU)[0])
    sys.addaudithook(_tripwire(BLOCKED_EVENTS, readable))
    sys.path.insert(0, os.getcwd())
    sys.argv = ["submission"]
    try:
        mod = _load(header["module"])
        func = getattr(mod, header["func"])
    except BaseException as exc:  # noqa: BLE001 - a SyntaxError or sys.exit at import is the student's
        _write(out, -1, {}, f"{type(exc).__name__}: {exc}{_missing_hint(exc, header['blocked'], header['module'].rpartition('/')[2])}")
        return
    for index, call in enumerate(header["calls"]):
        try:
            arrs, err = _run_call(mod, func, call, arrays, index)
        except BaseException as exc:  # noqa: BLE001
            arrs, err = {}, f"{type(exc).__name__}: {exc}"
        try:
            _write(out, index, arrs, err)
        except BaseException as exc:  # noqa: BLE001 - e.g. an object array that cannot be saved
            _write(out, index, {}, f"could not return the result: {type(exc).__name__}: {exc}")


def _limits(spec):
    import resource

    mem, cpu = spec["memory_mb"] << 20, spec["cpu_s"]
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _jail():
    """``_jail.py``, loaded by path once per fork server (``-I`` keeps this script's folder off sys.path)."""
    if "jail" not in _JAIL:
        import importlib.util

        where = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_jail.py")
        mod_spec = importlib.util.spec_from_file_location("_gradproof_jail", where)
        _JAIL["jail"] = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(_JAIL["jail"])
    return _JAIL["jail"]


def _enter_jail(spec):
    """Namespace mode (``_jail.py``); a failure is reported on the result channel as the sandbox's, not
    the student's, so the grader's self-test can say what the host lacks."""
    try:
        _jail().enter(spec)
    except BaseException as exc:  # noqa: BLE001 - whatever failed, no student code runs
        _write(os.fdopen(3, "wb", buffering=0, closefd=False), -1, {}, f"{SANDBOX_FAILED}: {exc}")
        os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Killed when ``parent`` dies (PR_SET_PDEATHSIG; cleared by a change of uid, so set again after
    one); if it is already gone, exit now. ctypes is loaded in the fork server for this and for the
    namespaces; a child's audit hook refuses every foreign call a submission would make with it."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def zygote(sock_fd: int):
    """Fork server: a clean interpreter with numpy loaded forks one child per request.

    The zygote never runs student code, so every child starts from the same pristine state and skips
    the numpy import (the bulk of a child's cost). A request is JSON (workdir, limits) plus three
    descriptors: the child's stdin, its stdout/stderr, its result pipe. The reply is the child's pid.
    """
    import signal
    import socket

    import numpy  # noqa: F401 - loaded once here, shared copy-on-write by every child

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
