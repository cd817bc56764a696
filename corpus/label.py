"""The oracle: label each corpus solution's four functions correct / wrong / crash against torch autograd.

Independent of gradproof: the reference values are ``torch.nn.functional.conv2d`` / ``max_pool2d`` and
their autograd gradients (float64); only max-pool ties are judged by rule instead (torch picks one
argmax; any split of the window's gradient among its tied maxima is a valid subgradient). Every student
function runs in its own child (``oracle_child.py``, fresh interpreter, timeout, CPU and file limits);
this process never imports student code and reads back only ``.npz`` files with ``allow_pickle=False``.

The cases follow the assignment's stated assumptions: every output size divides evenly, N > 1, C > 1,
non-square inputs, stride 1 and 2, pad 0, 1 and 2, non-square kernels (taller and wider, at stride 1:
at stride 2 a kernel's height put for its width can round to the same output size) and a non-square
pool window.
Overlapping pool windows (stride < window) are included: the assignment's interface takes any stride and
states no assumption against them. Ties (windows of zeros after a ReLU, integer-valued inputs) are tested
with non-overlapping windows, where the rule below is exact per window.

Tie rule: at a window with several tied maxima, a backward is right iff the window's upstream gradient
goes to the tied maxima only, with weights >= 0 summing to 1. Every tied maximum receiving the whole
gradient is wrong.

    python corpus/label.py [--only ID ...]      # writes corpus/labels.json
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections import namedtuple
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CHILD = HERE / "oracle_child.py"
LABELS = HERE / "labels.json"


# Kept apart from grading.configs on purpose: the oracle shares no code with what it judges.
ConvCase = namedtuple("ConvCase", "name N C H W F HH WW stride pad")
# values: "normal" (tie-free), "relu" (windows of zeros tie), "integers" (0..2: positive values tie)
PoolCase = namedtuple("PoolCase", "name N C H W PH PW stride values", defaults=("normal",))


CONV_CASES = (
    ConvCase("conv stride 1 pad 0", 2, 3, 5, 7, 4, 3, 3, 1, 0),
    ConvCase("conv stride 1 pad 1", 2, 3, 6, 8, 2, 3, 3, 1, 1),
    ConvCase("conv stride 1 pad 1, 3x2 kernel", 2, 3, 5, 6, 2, 3, 2, 1, 1),
    ConvCase("conv stride 1 pad 0, 2x4 kernel", 3, 2, 4, 7, 3, 2, 4, 1, 0),
    ConvCase("conv stride 2 pad 1", 3, 2, 7, 5, 3, 3, 3, 2, 1),
    ConvCase("conv stride 2 pad 0", 2, 3, 7, 9, 2, 3, 3, 2, 0),
    ConvCase("conv stride 1 pad 2, 5x5 kernel", 2, 3, 5, 6, 2, 5, 5, 1, 2),
    ConvCase("conv stride 2 pad 2, 4x5 kernel", 2, 2, 6, 9, 3, 4, 5, 2, 2),
)
POOL_CASES = (
    PoolCase("pool 2x2 stride 2", 2, 3, 4, 6, 2, 2, 2),
    PoolCase("pool 3x3 stride 3", 2, 2, 6, 9, 3, 3, 3),
    PoolCase("pool 2x3 stride 3 (non-square window, rows skipped)", 2, 3, 5, 9, 2, 3, 3),
    PoolCase("pool 2x3 stride 1 (overlapping)", 2, 3, 5, 7, 2, 3, 1),
    PoolCase("pool 3x3 stride 2 (overlapping)", 3, 2, 7, 7, 3, 3, 2),
    PoolCase("pool 2x2 stride 2, ties: zeros after ReLU", 2, 3, 6, 8, 2, 2, 2, "relu"),
    PoolCase("pool 3x3 stride 3, ties: integer values", 2, 2, 6, 6, 3, 3, 3, "integers"),
)
# name -> (cases, argument arrays, values graded, forward whose cache the backward receives)
FUNCTIONS = {
    "conv_forward_naive": (CONV_CASES, ("x", "w", "b"), ("out",), None),
    "conv_backward_naive": (CONV_CASES, ("x", "w", "b"), ("dx", "dw", "db"), "conv_forward_naive"),
    "max_pool_forward_naive": (POOL_CASES, ("x",), ("out",), None),
    "max_pool_backward_naive": (POOL_CASES, ("x",), ("dx",), "max_pool_forward_naive"),
}


def param(case) -> dict:
    if isinstance(case, ConvCase):
        return {"stride": case.stride, "pad": case.pad}
    return {"pool_height": case.PH, "pool_width": case.PW, "stride": case.stride}


def out_hw(case) -> tuple[int, int]:
    if isinstance(case, ConvCase):
        return (1 + (case.H + 2 * case.pad - case.HH) // case.stride, 1 + (case.W + 2 * case.pad - case.WW) // case.stride)
    return 1 + (case.H - case.PH) // case.stride, 1 + (case.W - case.PW) // case.stride


def inputs(case, seed: int = 0) -> dict:
    """The case's arrays, float64, the same on every run (seeded by the case's position and ``seed``)."""
    rng = np.random.default_rng([seed, sum(map(ord, case.name))])
    Ho, Wo = out_hw(case)
    if isinstance(case, ConvCase):
        return {"x": rng.standard_normal((case.N, case.C, case.H, case.W)),
                "w": rng.standard_normal((case.F, case.C, case.HH, case.WW)),
                "b": rng.standard_normal(case.F), "dout": rng.standard_normal((case.N, case.F, Ho, Wo))}
    shape = (case.N, case.C, case.H, case.W)
    x = {"normal": lambda: rng.standard_normal(shape), "relu": lambda: np.maximum(rng.standard_normal(shape) - 0.5, 0),
         "integers": lambda: rng.integers(0, 3, shape).astype(np.float64)}[case.values]()
    return {"x": x, "dout": rng.standard_normal((case.N, case.C, Ho, Wo))}


def reference(fname: str, case, a: dict) -> tuple:
    """torch's answer (float64): the forward's output, or the backward's gradients at ``dout``."""
    import torch
    import torch.nn.functional as F

    x = torch.tensor(a["x"], requires_grad=True)
    if isinstance(case, ConvCase):
        w, b = torch.tensor(a["w"], requires_grad=True), torch.tensor(a["b"], requires_grad=True)
        out = F.conv2d(x, w, b, stride=case.stride, padding=case.pad)
        leaves = (x, w, b)
    else:
        out = F.max_pool2d(x, (case.PH, case.PW), stride=case.stride)
        leaves = (x,)
    if FUNCTIONS[fname][3] is None:
        return (out.detach().numpy(),)
    out.backward(torch.tensor(a["dout"]))
    return tuple(t.grad.numpy() for t in leaves)


def tolerance(ref: np.ndarray) -> float:
    """Float64 rounding of a sum of at most 3*5*5 = 75 products of N(0,1) numbers is below 1e-12 of the
    largest value; 1e-9 * (1 + max|ref|) sits far above that and far below what an index mistake moves."""
    return 1e-9 * (1.0 + float(np.max(np.abs(ref), initial=0.0)))


def tie_verdict(x, dout, dx, case) -> str | None:
    """None if ``dx`` routes every window's ``dout`` to that window's maxima with weights >= 0 summing to
    1; else why not. Non-overlapping windows only (stride == window), where windows own disjoint entries."""
    assert case.stride == case.PH == case.PW, "the tie rule is judged on non-overlapping windows"
    N, C, H, W = x.shape
    Ho, Wo = out_hw(case)
    win = lambda a: a[:, :, :Ho * case.PH, :Wo * case.PW].reshape(N, C, Ho, case.PH, Wo, case.PW)
    xw, gw = win(x), win(dx)
    top = xw == xw.max(axis=(3, 5), keepdims=True)
    tol = tolerance(dout)
    d = dout[:, :, :, None, :, None]
    if np.any(np.abs(np.where(top, 0.0, gw)) > tol):
        return "gradient reaches an entry that is not a maximum of its window"
    if np.any(np.where(top, gw * np.sign(d), 0.0) < -tol):
        return "a tied maximum gets a weight below 0"
    sums = np.where(top, gw, 0.0).sum(axis=(3, 5))
    bad = np.abs(sums - dout) > tol
    if np.any(bad):
        ties = top.sum(axis=(3, 5))[bad]
        ratio = np.median(sums[bad] / dout[bad])
        return (f"window gradients sum to {ratio:.3g} x dout at {int(bad.sum())} window(s) "
                f"(tied maxima there: {int(np.median(ties))}); every tied maximum getting all of it gives that")
    if np.any(np.abs(dx[:, :, Ho * case.PH:, :]) > tol) or np.any(np.abs(dx[:, :, :, Wo * case.PW:]) > tol):
        return "gradient outside every window"
    return None


def judge(fname: str, case, a: dict, got: dict | None, error: str | None) -> tuple[str, str]:
    """(kind, words) for one case: kind is ok, crash, shape, nonfinite, values or ties."""
    if got is None:
        return "crash", (error or "no result").strip().splitlines()[-1][:300]
    parts = FUNCTIONS[fname][2]
    ref = reference(fname, case, a)
    for i, (part, r) in enumerate(zip(parts, ref)):
        g = got.get(f"r{i}")
        if g is None:
            return "shape", f"{part} is missing: None or not a number array"
        if g.shape != r.shape:
            return "shape", f"{part} has shape {g.shape}, expected {r.shape}"
        if not np.all(np.isfinite(g)):
            return "nonfinite", f"{part} holds NaN or inf"
        if isinstance(case, PoolCase) and case.values != "normal" and part == "dx":
            why = tie_verdict(a["x"], a["dout"], g, case)
            if why:
                return "ties", f"{part}: {why}"
            continue
        err = float(np.max(np.abs(g - r), initial=0.0))
        if err > tolerance(r):
            return "values", f"{part} differs from torch by up to {err:.3g}"
    return "ok", ""


def _limits(cpu_s: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
        os.setsid()
    return apply


def run_child(source: bytes, fname: str, seed: int = 0, timeout_s: float = 120.0) -> list[tuple[str, str]]:
    """Run one function of the solution ``source`` on all its cases in a child; judge each here."""
    cases, arrays, parts, forward = FUNCTIONS[fname]
    with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
        work = Path(tmp)
        (work / "layers.py").write_bytes(source)
        job = {"function": fname, "forward": forward, "cases": []}
        data = []
        for k, case in enumerate(cases):
            a = inputs(case, seed)
            data.append(a)
            np.savez(work / f"in_{k}.npz", **a)
            job["cases"].append({"k": k, "arrays": list(arrays), "param": param(case), "nout": len(parts)})
        (work / "job.json").write_text(json.dumps(job))
        env = {"PATH": os.environ.get("PATH", ""), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        try:
            proc = subprocess.run([sys.executable, "-I", str(CHILD), str(work)], cwd=work, env=env,
                                  capture_output=True, timeout=timeout_s, preexec_fn=_limits(int(timeout_s) + 5))
            fallback = f"child exited with {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}"
        except subprocess.TimeoutExpired:
            fallback = f"timeout after {timeout_s:g} s"
        verdicts = []
        for k, case in enumerate(cases):
            got, err = None, fallback
            out, errf = work / f"out_{k}.npz", work / f"err_{k}.txt"
            if out.is_file():
                try:
                    with np.load(out, allow_pickle=False) as z:
                        got = {n: np.asarray(z[n], dtype=np.float64) for n in z.files if n.startswith("r")}
                except Exception as exc:   # a hostile or broken file is the child's failure
                    got, err = None, f"unreadable result: {exc}"
            elif errf.is_file():
                err = errf.read_text(errors="replace")
            verdicts.append(judge(fname, case, data[k], got, err))
        return verdicts


def label(source: bytes, fname: str, seed: int = 0) -> dict:
    """{label: correct | wrong | crash, case, reason, cases: [kind per case]} for one function."""
    verdicts = run_child(source, fname, seed)
    cases = FUNCTIONS[fname][0]
    first = next((k for k, (kind, _) in enumerate(verdicts) if kind != "ok"), None)
    if first is None:
        return {"label": "correct", "case": None, "reason": "", "cases": ["ok"] * len(cases)}
    kind, words = verdicts[first]
    return {"label": "crash" if kind == "crash" else "wrong", "case": cases[first].name, "reason": words,
            "cases": [k for k, _ in verdicts]}


def main(argv=None) -> int:
    from corpus.fetch import CORPUS, cached   # the cache is verified there

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="label only these solution ids (default: every cached one)")
    args = ap.parse_args(argv)
    import torch

    corpus = json.loads(CORPUS.read_text())
    labels = json.loads(LABELS.read_text())["labels"] if LABELS.is_file() and args.only else {}
    for sol in corpus["solutions"]:
        if args.only and sol["id"] not in args.only:
            continue
        path = cached(sol)
        labels[sol["id"]] = {f: label(path.read_bytes(), f) for f in FUNCTIONS}
        print(sol["id"], " ".join(f"{f}={v['label']}" for f, v in labels[sol["id"]].items()), flush=True)
    cases = {f: [c._asdict() for c in spec[0]] for f, spec in FUNCTIONS.items()}
    oracle = (f"torch {torch.__version__} (float64) on numpy {np.__version__}, Python "
              f"{sys.version.split()[0]}; corpus/label.py")
    LABELS.write_text(json.dumps({"oracle": oracle,
                                  "cases": cases, "labels": labels}, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
