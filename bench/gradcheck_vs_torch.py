r"""Benchmark: our per-element finite-difference check against torch.autograd.gradcheck, same float64 problem.

Problem: conv2d with x (2,3,16,16) and (2,3,32,32), w (4,3,3,3), b (4), stride 1, pad 1, float64.
Ours: ``check_backward`` in compressed mode, a verdict with its own tolerance for every element of dx, dw
and db. Peers: gradcheck in its default (slow) mode, which builds the full numerical Jacobian, and with
``fast_mode=True``, which compares one random projection u^T J v and cannot say which element is wrong.

Accuracy, printed so that speed is not bought with it: the largest |error| / max |value| each method sees
(ours: backward against the Richardson value; gradcheck: analytical against numerical Jacobian or
projection, recorded from inside the same run by wrapping its comparison function).

    python bench/gradcheck_vs_torch.py            # slow gradcheck at 16x16 only (about 30 s here)
    python bench/gradcheck_vs_torch.py --slow-32  # also at 32x32 (minutes)
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from checker import check_backward, conv2d_structure  # noqa: E402
from checker.ops import conv2d_backward, conv2d_forward  # noqa: E402

REPEAT = 9  # fast measurements: the fastest of REPEAT runs, the least disturbed on a shared machine


def problem(side: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 3, side, side)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)


def ours(x, w, b):
    fwd = lambda x, w, b: conv2d_forward(x, w, b, pad=1)
    bwd = lambda d, x, w, b: conv2d_backward(d, x, w, pad=1)
    s = conv2d_structure(w.shape, pad=1)
    times, result = [], None
    for _ in range(REPEAT):
        t = time.perf_counter()
        result = check_backward(fwd, bwd, {"x": x, "w": w, "b": b}, seed=0, structure=s, mode="compressed")
        times.append(time.perf_counter() - t)
    err = max(float(np.max(np.abs(a.got - a.expected)) / np.max(np.abs(a.expected))) for a in result.args)
    n = sum(int(np.prod(a.shape)) for a in result.args)
    return min(times), err, result, n


def torch_gradcheck(x, w, b, *, fast: bool, repeat: int):
    import torch

    gc = importlib.import_module("torch.autograd.gradcheck")
    ins = tuple(torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    f = lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=1)
    seen = []
    original = gc._allclose_with_type_promotion

    def recording(a, n, rtol, atol):  # keep references only: the arithmetic happens after the timing
        seen.append((a, n))
        return original(a, n, rtol, atol)

    gc._allclose_with_type_promotion = recording
    try:
        times = []
        for _ in range(repeat):
            seen.clear()
            t = time.perf_counter()
            ok = torch.autograd.gradcheck(f, ins, fast_mode=fast)
            times.append(time.perf_counter() - t)
    finally:
        gc._allclose_with_type_promotion = original
    err = max(float((a - n.to(a.dtype)).abs().max() / a.abs().max().clamp_min(1e-300)) for a, n in seen)
    return min(times), err, ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slow-32", action="store_true", help="also run slow gradcheck at 32x32 (minutes)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("torch is not installed (pip install -e '.[oracle]'): nothing to compare with")
        return 0
    torch.set_num_threads(1)  # a fair single-core comparison: our numpy einsum runs on one core too
    print(f"numpy {np.__version__}, torch {torch.__version__}, float64, conv2d pad 1, w 4x3x3x3, b 4; "
          f"fast timings are the best of {REPEAT} runs")
    for side in (16, 32):
        x, w, b = problem(side)
        t_ours, e_ours, res, n = ours(x, w, b)
        t_fast, e_fast, ok_fast = torch_gradcheck(x, w, b, fast=True, repeat=REPEAT)
        print(f"\nx 2x3x{side}x{side}: {n} gradient elements")
        print(f"  ours (compressed, per element)  {t_ours * 1e3:9.1f} ms  max rel error {e_ours:.1e}  "
              f"verdict {'ok' if res.ok else 'WRONG'}, {res.calls} forward calls, worst {res['x'].worst.line()}")
        print(f"  gradcheck fast_mode=True        {t_fast * 1e3:9.1f} ms  max rel error {e_fast:.1e}  "
              f"verdict {'ok' if ok_fast else 'WRONG'} (one projection: no element named)")
        print(f"  ratio ours/fast: {t_ours / t_fast:.1f}x (goal <= 3x)")
        if side == 16 or args.slow_32:
            t_slow, e_slow, ok_slow = torch_gradcheck(x, w, b, fast=False, repeat=1)
            print(f"  gradcheck slow (default)        {t_slow * 1e3:9.1f} ms  max rel error {e_slow:.1e}  "
                  f"verdict {'ok' if ok_slow else 'WRONG'} (full Jacobian, one run)")
            print(f"  ratio slow/ours: {t_slow / t_ours:.0f}x (goal >= 300x)")
        else:
            print("  gradcheck slow: skipped (pass --slow-32). Its numerical Jacobian needs 2 forward calls per "
                  "input entry and its analytical one a backward call per output entry: 4x the entries of "
                  "16x16, each call about 4x dearer, so about 16x the 16x16 time.")
    print("\nWhere our time goes: a per-element verdict with two step sizes needs 4 evaluations of every entry;"
          " the colouring packs entries that share no output, so x costs 4 x 27 calls (every sample moves in"
          " each) and w 4 x 27 calls (all filters move in each): about 220 forward calls whatever the side,"
          " against the 4 or so of a single projection.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
