"""The oracle's child: import one untrusted solution, call one function on every case, save what it returns.

Run only by ``corpus/label.py`` in a fresh interpreter (``python -I``) with a timeout and resource limits:

    python -I oracle_child.py WORKDIR

WORKDIR holds ``layers.py`` (the solution), ``job.json`` (the function's name and every case's parameters)
and ``in_<k>.npz`` (every case's arrays). The child writes ``out_<k>.npz`` (the returned arrays, float64
where they are numeric) or ``err_<k>.txt`` (why it has none). The parent trusts none of it: it loads the
.npz files with ``allow_pickle=False`` and checks every name, shape and value itself.

A module the solution imports but the machine lacks (plotting, the assignment's own helpers) is replaced
by an empty one, so that a helper the four functions never use cannot fail them; a function that does use
it then fails on its own line, with the error it would have had.
"""
import ast
import importlib.abc
import importlib.machinery
import importlib.util
import json
import signal
import sys
import traceback
import types
from pathlib import Path

import numpy as np

CASE_TIMEOUT_S = 20   # a naive loop over the oracle's largest case takes well under a second


class _Missing:
    """What a name from a stubbed module is: anything done with it fails, naming the module."""

    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        raise ModuleNotFoundError(f"{self._name} is not installed (stubbed by the oracle)")

    def __getattr__(self, attr):
        return _Missing(f"{self._name}.{attr}")


def _stub_attr(module, attr):
    if attr.startswith("__"):   # star imports and introspection ask for __all__, __spec__, ...
        raise AttributeError(attr)
    return _Missing(f"{module}.{attr}")


class _Stubs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on the meta path: a module the solution itself imports, and nothing else can find, becomes an
    empty one. Only the solution's own top-level imports qualify, so numpy's probes of optional modules
    still see ImportError."""

    def __init__(self, tops):
        self.tops = tops

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in self.tops:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        mod = types.ModuleType(spec.name)
        mod.__path__ = []
        mod.__getattr__ = lambda attr, _n=spec.name: _stub_attr(_n, attr)
        return mod

    def exec_module(self, module):
        pass


def _alarm(signum, frame):
    raise TimeoutError(f"no answer within {CASE_TIMEOUT_S} s")


def _arrays(value, count):
    """The first ``count`` returned values that are number arrays, as float64 (names r0, r1, ...); a value
    that is None or not numeric is left out, and the parent reports it missing."""
    if count == 1 and not isinstance(value, tuple):
        value = (value,)
    if not isinstance(value, (tuple, list)) or len(value) < count:
        raise ValueError(f"returned {type(value).__name__}, expected {count} value(s)")
    out = {}
    for i in range(count):
        if value[i] is None:
            continue
        try:
            a = np.asarray(value[i])
        except Exception:   # ragged lists and objects that refuse conversion
            continue
        if a.dtype.kind in "biuf":
            out[f"r{i}"] = a.astype(np.float64)
    return out


def main(work: Path) -> None:
    job = json.loads((work / "job.json").read_text())
    tops = set()
    try:
        for node in ast.walk(ast.parse((work / "layers.py").read_bytes())):
            if isinstance(node, ast.Import):
                tops.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                tops.add(node.module.split(".")[0])
    except (SyntaxError, ValueError):
        pass   # the import below reports it
    sys.meta_path.append(_Stubs(tops))
    signal.signal(signal.SIGALRM, _alarm)
    try:
        spec = importlib.util.spec_from_file_location("layers", work / "layers.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["layers"] = mod
        signal.alarm(CASE_TIMEOUT_S)
        spec.loader.exec_module(mod)
        signal.alarm(0)
        func = getattr(mod, job["function"])
        forward = getattr(mod, job["forward"]) if job.get("forward") else None
    except BaseException:
        signal.alarm(0)
        for case in job["cases"]:
            (work / f"err_{case['k']}.txt").write_text("import: " + traceback.format_exc(limit=-2)[-1500:])
        return
    for case in job["cases"]:
        k = case["k"]
        try:
            with np.load(work / f"in_{k}.npz", allow_pickle=False) as z:
                a = {name: z[name] for name in z.files}
            signal.alarm(CASE_TIMEOUT_S)
            if forward is None:
                args = [a[n] for n in case["arrays"]] + [dict(case["param"])]
                got = func(*args)
            else:
                # the backward gets the cache of the student's own forward, like in the assignment; if that
                # forward fails, the template's own cache line (x, [w, b,] param) stands in for it
                fargs = [a[n] for n in case["arrays"]] + [dict(case["param"])]
                try:
                    cache = forward(*[x.copy() if isinstance(x, np.ndarray) else x for x in fargs])[1]
                except Exception:
                    cache = tuple(fargs)
                got = func(a["dout"], cache)
            signal.alarm(0)
            np.savez(work / f"out_{k}.npz", **_arrays(got, case["nout"]))
        except BaseException:
            signal.alarm(0)
            (work / f"err_{k}.txt").write_text(traceback.format_exc(limit=-2)[-1500:])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
