"""Shrink a failing case to the smallest one that still fails, and write it as a reproduction to paste.

All candidate cases (the failing one with one or two dimensions cut, see ``configs.smaller``) run in
one child; the smallest that still fails the same part wins. The reproduction holds the inputs, the
call, the expected and actual arrays and the worst element (n, c, i, j).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .configs import smaller
from .runner import CaseOutcome, prepare, run_cases

MAX_CANDIDATES = 60


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
    return "np.array(" + repr((np.round(a, DECIMALS) if np.array_equal(np.round(a, DECIMALS), a)
                               else np.round(a, 12)).tolist()) + ")"


def _item(it) -> str:
    if "a" in it:
        return it["a"]
    if "t" in it:
        return "(" + ", ".join(_item(x) for x in it["t"]) + ",)"
    return repr(it["v"])


def code_for(spec, module: str, case: CaseOutcome) -> str:
    """A copy-pasteable script that runs the student's function on this case."""
    call = spec.call(case.cfg)
    names = sorted({it["a"] for it in call["args"] + call.get("cache_args", []) if "a" in it})
    funcs = [spec.name] + ([call["cache_from"]] if "cache_from" in call else [])
    lines = ["import numpy as np", f"from {module.replace('/', '.')} import {', '.join(sorted(set(funcs)))}", ""]
    lines += [f"{n} = {_lit(case.inputs[n])}" for n in names]
    args = [_item(it) for it in call["args"]]
    if "cache_from" in call:
        lines.append(f"_, cache = {call['cache_from']}({', '.join(_item(it) for it in call['cache_args'])})")
        args.append("cache")
    results = ", ".join(spec.parts) + ("," if spec.nout > 1 and len(spec.parts) == 1 else "")
    if spec.nout > len(spec.parts):
        results += " _"
    lines.append(f"{results} = {spec.name}({', '.join(args)})")
    for part, ref in zip(spec.parts, case.refs):
        lines.append(f"expected_{part} = {_lit(ref)}")
        lines.append(f"print('{part} max error:', np.abs({part} - expected_{part}).max())")
    return "\n".join(lines)


def shrink(spec, files, module: str, failing: CaseOutcome, part: int, limits, seed: int, blocked) -> Repro:
    """The smallest case that fails ``spec.parts[part]`` (the original one if nothing smaller fails)."""
    cands = prepare(spec, smaller(failing.cfg)[:MAX_CANDIDATES], seed, decimals=DECIMALS)
    best = failing
    if cands:
        run_cases(spec, files, module, cands, limits, blocked)
        for c in cands:  # sorted smallest first
            if c.verdicts and not c.verdicts[part].ok and c.cfg.size < best.cfg.size:
                best = c
                break
    v = best.verdicts[part]
    act = best.actual[part]
    numeric = act is not None and np.asarray(act).dtype.kind in "fiu"
    code = code_for(spec, module, best)
    if numeric:
        code += f"\n# what your {spec.parts[part]} returned on this case:\n# {_lit(act)}"
    if v.worst is not None:
        code += f"\n# worst element {v.worst}: expected {v.expected_value:.6g}, got {v.actual_value:.6g}"
    return Repro(spec.name, spec.parts[part], best.cfg.describe(), code, np.round(best.refs[part], 6).tolist(),
                 np.round(np.asarray(act, dtype=float), 6).tolist() if numeric else None, v.worst, v.message)
