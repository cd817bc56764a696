"""Shrink a failing case to the smallest one that still fails, and write it as a reproduction to paste.

All candidate cases (the failing one with one or two dimensions cut, see ``ConvConfig.smaller``) run in
one child; the smallest that still fails the same part wins. The reproduction holds the inputs, the
call, the expected and actual arrays and the worst element (n, c, i, j).
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass

import numpy as np

from .runner import CaseOutcome, prepare, run_battery
from .sandbox import Sandbox
from .submission import Submission

MAX_CANDIDATES = 60
MAX_SHOWN = 2000   # a returned array larger than this is not printed in the reproduction


@dataclass(frozen=True)
class Repro:
    """The smallest failing case as data: what to run, what was expected, what came back."""

    function: str
    part: str
    config: str
    code: str
    expected: list | None
    actual: list | None
    worst: tuple | None
    message: str


DECIMALS = 4  # shrink candidates are graded on inputs rounded to this, so the printed case is exact


def _lit(a) -> str:
    """A numpy literal that reproduces ``a`` exactly (short when it is already rounded)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # rounding 1e308 overflows to inf: then print it as is
        short, long_ = np.round(a, DECIMALS), np.round(a, 12)
    return "np.array(" + repr((short if np.array_equal(short, a) else np.where(np.isfinite(long_), long_, a)).tolist()) + ")"


def _item(it) -> str:
    if "a" in it:
        return it["a"]
    if "t" in it:
        return "(" + ", ".join(_item(x) for x in it["t"]) + ",)"
    return repr(it["v"])


def code_for(spec, module: str, case: CaseOutcome) -> str:
    """A copy-pasteable script that runs the student's function on this case."""
    call = spec.call(case.cfg)
    obj = call.get("obj", {})
    items = (call["args"] + call.get("cache_args", []) + obj.get("init", []) + list(obj.get("set", {}).values())
             + [it for _, its in obj.get("before", []) for it in its])
    names = sorted({it["a"] for it in items if "a" in it})
    funcs = sorted(set([obj.get("cls") or spec.name] + ([call["cache_from"]] if "cache_from" in call else [])))
    lines = ["import numpy as np"]
    parts = module.split("/")  # a module in a subfolder (cs231n/layers) imports as cs231n.layers
    if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        lines += [f"from {'.'.join(parts)} import {', '.join(funcs)}", ""]
    else:  # a file such as hw3-layers.py is no importable module name: load it by its path
        lines += ["import importlib.util", "",
                  f"_spec = importlib.util.spec_from_file_location('submission', {module + '.py'!r})",
                  "_submission = importlib.util.module_from_spec(_spec)", "_spec.loader.exec_module(_submission)"]
        lines += [f"{f} = _submission.{f}" for f in funcs] + [""]
    lines += [f"{n} = {_lit(case.inputs[n])}" for n in names]
    args = [_item(it) for it in call["args"]]
    if "cache_from" in call:
        lines.append(f"_, cache = {call['cache_from']}({', '.join(_item(it) for it in call['cache_args'])})")
        args.append("cache")
    if obj:
        lines += _method_lines(spec, obj, args)
    else:
        results = ", ".join(spec.parts) + ("," if spec.nout > 1 and len(spec.parts) == 1 else "")
        if spec.nout > len(spec.parts):
            results += " _"
        lines.append(f"{results} = {spec.name}({', '.join(args)})")
    if case.cfg.ties:
        lines.append("# x has tied maxima: expected values route each window's gradient to its first maximum; "
                     "any split among the tied maxima that adds up to dout is right too")
    for part, ref in zip(spec.parts, case.refs):
        # the shape first: subtracting arrays of other shapes fails (or broadcasts) inside this script and
        # would look like a bug of the student's
        lines += [f"expected_{part} = {_lit(ref)}",
                  f"if np.shape({part}) != expected_{part}.shape:",
                  f"    print('{part} has shape', np.shape({part}), 'but must have shape', expected_{part}.shape)",
                  "else:",
                  f"    print('{part} max error:', np.abs({part} - expected_{part}).max())"]
    return "\n".join(lines)


def _method_lines(spec, obj, args) -> list[str]:
    """A class-style call: build the layer, set its weights, run forward first, call the method, and read
    each part from the return value or, for a weight gradient, from the update."""
    lines = [f"layer = {obj['cls']}({', '.join(_item(it) for it in obj['init'])})"]
    lines += [f"layer.{attr} = {_item(it)}.copy()" for attr, it in obj["set"].items()]
    lines += [f"layer.{m}({', '.join(_item(it) + ('.copy()' if 'a' in it else '') for it in its)})"
              for m, its in obj["before"]]
    lines.append(f"ret = layer.{obj['method']}({', '.join(args)})")
    for part, what in zip(spec.parts, obj["returns"]):
        if what == "ret":
            lines.append(f"{part} = ret")
        else:   # the gradient the update reveals: W_after = W_before - learn_rate * gradient
            lines.append(f"{part} = ({spec.updates[part]} - layer.{what}) / {spec.learn_rate!r}")
    return lines


def shrink(spec, sub: Submission, failing: CaseOutcome, part: int, box: Sandbox, seed: int) -> Repro:
    """The smallest case that fails ``spec.parts[part]`` (the original one if nothing smaller fails)."""
    # on the failing case's side of the interface's contract: a student who asserts divisible sizes must
    # not be shown an assertion error instead of the bug
    strict = not spec.admits(failing.cfg)
    cands = prepare(spec, [c for c in failing.cfg.smaller() if spec.admits(c, strict)][:MAX_CANDIDATES], seed,
                    decimals=DECIMALS)
    best = failing
    if cands:
        run_battery(spec, sub, cands, box)
        for c in cands:  # sorted smallest first
            if c.verdicts and not c.verdicts[part].ok and c.cfg.size < best.cfg.size:
                best = c
                break
    v = best.verdicts[part]
    act = best.actual[part]
    numeric = act is not None and np.asarray(act).dtype.kind in "fiu" and np.asarray(act).size <= MAX_SHOWN
    code = code_for(spec, sub.module, best)
    if numeric:
        code += f"\n# what your {spec.parts[part]} returned on this case:\n# {_lit(act)}"
    if v.worst is not None and v.expected_value is not None and v.actual_value is not None:
        code += f"\n# worst element {v.worst}: expected {v.expected_value:.6g}, got {v.actual_value:.6g}"
    return Repro(spec.name, spec.parts[part], best.cfg.describe(), code, _listed(best.refs[part]),
                 _listed(act) if numeric else None, v.worst, v.message)


def _listed(a) -> list:
    """An array as a JSON-safe nested list: NaN and inf become the strings 'nan', 'inf', '-inf' (strict
    JSON has no NaN, and Gradescope must be able to read every report).

    >>> _listed(np.array([1.0, np.nan, -np.inf]))
    [1.0, 'nan', '-inf']
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # rounding multiplies: 1e308 would become inf
        out = np.array(np.where(np.abs(a) < 1e12, np.round(a, 6), a), dtype=object)
    bad = ~np.isfinite(a)
    out[bad] = [str(v) for v in a[bad]]
    return out.tolist()
