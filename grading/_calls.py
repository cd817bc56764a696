"""The sandbox child's side of one call: build its arguments, import the submission, call, write a frame.

Loaded by path into the child (``_child._sibling``). A call arrives as JSON (positional arguments: an
input array by name ``{"a": name}``, a tuple ``{"t": [...]}`` or a JSON literal ``{"v": value}``) with
the input arrays; its answer is one frame on the result channel: ``GPF1 {json}\\n`` followed by the
``.npy`` bytes of the arrays the header names. Nothing here is trusted by the grader (``frames`` reads
the frames as hostile input): the student's code runs in this process and may tamper with it.

>>> build_arg({"t": [{"a": "x"}, {"v": 2}]}, {"0.x": [1.0]}, 0)
([1.0], 2)
"""
import importlib.util
import io
import json
import os
import sys

import numpy as np


def write_frame(out, index, arrays, error):
    """One frame: a JSON header naming the arrays and their byte lengths, then the ``.npy`` bytes."""
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


def build_arg(item, arrays, index):
    """Build one positional argument: a fresh copy of an input array, or a JSON literal."""
    if "a" in item:
        return arrays[f"{index}.{item['a']}"].copy()
    if "t" in item:
        return tuple(build_arg(x, arrays, index) for x in item["t"])
    return item["v"]


def load_module(module):
    """Import the submission from ``dir/name``: its folder and the submission's top folder are on the path
    (so ``import im2col`` and ``from cs231n.im2col import ...`` both work); a file named like an
    already-loaded module (copy.py) is loaded by path."""
    folder, _, name = module.rpartition("/")
    if folder:
        sys.path.insert(0, os.path.join(os.getcwd(), folder))
    if name not in sys.modules:
        return __import__(name)
    spec = importlib.util.spec_from_file_location(f"_submission_{name}", os.path.join(os.getcwd(), module + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod



def run_call(mod, func, call, arrays, index):
    """Call the function once; returns (arrays to send back, error text or None)."""
    args = [build_arg(item, arrays, index) for item in call["args"]]
    if "cache_from" in call:
        # cs231n: the backward receives the cache of the student's own forward; if that forward
        # cannot run, the cache the assignment describes is used so the backward still gets graded.
        cache_args = [build_arg(item, arrays, index) for item in call["cache_args"]]
        try:
            res = getattr(mod, call["cache_from"])(*cache_args)
            cache = res[1] if isinstance(res, tuple) and len(res) == 2 else build_arg({"t": call["fallback"]}, arrays, index)
        except BaseException:  # noqa: BLE001 - any failure of the forward, even SystemExit
            cache = build_arg({"t": call["fallback"]}, arrays, index)
        args.append(cache)
    inputs = {item["a"]: a for item, a in zip(call["args"], args) if "a" in item}
    if "obj" in call:
        return run_method(func, call, args, inputs, arrays, index)
    res = func(*args)
    nout = call["nout"]
    if nout == 1:
        res = (res,)
    elif not isinstance(res, (tuple, list)) or len(res) != nout:
        got = (f"a {type(res).__name__} of {len(res)} value{'s' * (len(res) != 1)}"
               if isinstance(res, (tuple, list)) else f"one {type(res).__name__}")
        return {}, f"expected {nout} return values, got {got}"
    return _arrays(res, call.get("keep", list(range(nout))), [f"return value {j + 1}" for j in range(nout)], inputs)


def run_method(cls, call, args, inputs, arrays, index):
    """A class-style layer (``call["obj"]``): construct it, set its weights from the inputs, run the methods
    that come first (a backprop needs its forward), call the method; send back what ``returns`` names: the
    method's return value (``"ret"``) or an attribute read after the call (the weights after an update)."""
    obj = call["obj"]
    layer = cls(*[build_arg(item, arrays, index) for item in obj["init"]])
    for attr, item in obj["set"].items():
        setattr(layer, attr, build_arg(item, arrays, index))
    for method, items in obj["before"]:
        try:
            getattr(layer, method)(*[build_arg(item, arrays, index) for item in items])
        except Exception as exc:  # noqa: BLE001 - named, so the student looks at the method that failed
            return {}, f"{obj['cls']}.{method} failed before {obj['method']} could run: {type(exc).__name__}: {exc}"
    ret = getattr(layer, obj["method"])(*args)
    res = [ret if r == "ret" else getattr(layer, r, None) for r in obj["returns"]]
    what = [f"{obj['method']}'s return value" if r == "ret" else f"self.{r} after {obj['method']}"
            for r in obj["returns"]]
    return _arrays(res, call.get("keep", list(range(len(res)))), what, inputs)


def _arrays(res, keep, what, inputs):
    """The values to send back as arrays ``r{j}``, and the words for those that are no numeric array."""
    out, bad = {}, []
    for j in keep:  # a value that is no numeric array costs its own part only, not its neighbours
        try:
            a = np.asarray(res[j])
        except ValueError:  # a ragged list: numpy's "inhomogeneous shape" says nothing to a student
            bad.append(f"{what[j]} is a ragged list, not an array")
            continue
        if a.dtype.kind not in "biufc":
            bad.append(f"{what[j]} is not a numeric array (got "
                       f"{'None' if res[j] is None else type(res[j]).__name__ + ' of dtype ' + str(a.dtype)})")
            continue
        out[f"r{j}"] = a
    for name, a in inputs.items():
        out[f"in.{name}"] = np.asarray(a)
    return out, "; ".join(bad) or None


