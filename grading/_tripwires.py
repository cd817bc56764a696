"""The sandbox child's tripwires: an audit hook, an import blocker and stubs for absent packages.

Loaded by path into the child (``_child._sibling``: the child never imports the grader's package). They
turn a naive ``import torch``, ``os.system`` or a read of another folder into a clear message; they are
not the boundary. Python's audit hooks are not a security boundary, and a submission that sets out to
defeat them can (through a closure cell, ``ctypes`` already loaded by a library, or an event that
CPython never audits such as ``os.pidfd_open``): what confines it is the operating system (``_jail``,
the per-child uid and rlimits, see ``isolation``).

>>> stub = _Stub()
>>> stub.pyplot.figure(figsize=(3, 2))["anything"] is stub, list(stub)
(True, [])
"""
import importlib.abc
import importlib.machinery
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


def block_imports(names):
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


def missing_hint(exc, blocked, own) -> str:
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


def stub_imports(names):
    """``--stub NAME``: NAME and its submodules import as empty modules (plotting a submission does at
    import time, e.g. ``plt.rcParams[...] = ...``, goes nowhere)."""
    if not names:
        return

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


def tripwire(blocked: tuple, readable: tuple):
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


