r"""Benchmark: the PLAIN ``check_backward`` call (no structure, no hints) against torch.autograd.gradcheck.

Problem: conv2d with x (2,3,16,16), w (4,3,3,3), b (4), stride 1, pad 1, float64, two layers under test:
a cs231n-style vectorised conv (``checker.ops``) and a naive-loop conv (loops over samples, filters and
output positions, as in the assignment). Ours: ``check_backward(forward, backward, inputs)`` exactly as a
layer author types it (mode "auto": a random projection first; where it disagrees, halving down to the
wrong entries). Peers, in the same run: gradcheck's default (slow) mode, which builds the full numerical
Jacobian, and ``fast_mode=True``, one random projection u^T J v that cannot say which element is wrong.
Also printed: ours with the conv structure (per-element verdicts everywhere), and what a one-entry error of
1e-4 relative costs and whether it is found where it is.

Accuracy, printed so that speed is not bought with it: the largest |error| / max |value| gradcheck sees
(analytical against numerical Jacobian or projection, recorded from inside the same run).

    python bench/gradcheck_vs_torch.py            # slow gradcheck at 16x16 only (about 30 s here)
    python bench/gradcheck_vs_torch.py --slow-32  # also 32x32 (minutes)
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

REPEAT = 25  # fast measurements: the fastest of REPEAT runs, the least disturbed on a shared machine


def problem(side: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 3, side, side)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)


def naive_forward(x, w, b, pad=1):
    """The assignment's loop conv: one window at a time (the layer the plain call must stay cheap on)."""
    n, c, hh, ww = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = hh + 2 * pad - kh + 1, ww + 2 * pad - kw + 1
    out = np.zeros((n, f, ho, wo))
    for i in range(n):
        for k in range(f):
            for r in range(ho):
                for q in range(wo):
                    out[i, k, r, q] = np.sum(xp[i, :, r:r + kh, q:q + kw] * w[k]) + b[k]
    return out


def naive_backward(dout, x, w, b, pad=1):
    n, c, hh, ww = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(n):
        for k in range(f):
            for r in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    dxp[i, :, r:r + kh, q:q + kw] += w[k] * dout[i, k, r, q]
                    dw[k] += xp[i, :, r:r + kh, q:q + kw] * dout[i, k, r, q]
    return dxp[:, :, pad:-pad, pad:-pad], dw, dout.sum(axis=(0, 2, 3))


def vec_pair():
    return (lambda x, w, b: conv2d_forward(x, w, b, pad=1)), (lambda d, x, w, b: conv2d_backward(d, x, w, pad=1))


def timed(fn, repeat):
    """Best of ``repeat`` runs after one untimed run (imports, caches and allocators warmed up)."""
    times, result = [], fn()
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def ours(x, w, b, fwd, bwd, repeat=REPEAT, **options):
    return timed(lambda: check_backward(fwd, bwd, {"x": x, "w": w, "b": b}, **options), repeat)


def one_wrong_entry(x, w, b, fwd, bwd, arg="x", rel=1e-4, seed=0):
    """The plain call on a backward with one entry of ``arg`` off by ``rel``: time, found, found there."""
    i = "xwb".index(arg)
    rng = np.random.default_rng(seed)
    where = tuple(int(rng.integers(s)) for s in (x, w, b)[i].shape)

    def bad(d, *a):
        g = [np.array(v, dtype=float) for v in bwd(d, *a)]
        g[i][where] *= 1 + rel
        return tuple(g)

    t, r = timed(lambda: check_backward(fwd, bad, {"x": x, "w": w, "b": b}), 1)
    return t, r, where


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
    vf, vb = vec_pair()
    for side in (16, 32):
        x, w, b = problem(side)
        n = x.size + w.size + b.size
        t_plain, r_plain = ours(x, w, b, vf, vb)
        t_struct, r_struct = ours(x, w, b, vf, vb, structure=conv2d_structure(w.shape, pad=1))
        t_naive, r_naive = ours(x, w, b, naive_forward, naive_backward, repeat=3)
        t_fast, e_fast, ok_fast = torch_gradcheck(x, w, b, fast=True, repeat=REPEAT)
        print(f"\nx 2x3x{side}x{side}: {n} gradient elements")
        print(f"  ours, plain call, vectorised conv   {t_plain * 1e3:9.2f} ms  verdict "
              f"{'ok' if r_plain.ok else 'WRONG'}, {r_plain.calls} forward calls")
        print(f"  ours, plain call, naive-loop conv   {t_naive * 1e3:9.2f} ms  verdict "
              f"{'ok' if r_naive.ok else 'WRONG'}, {r_naive.calls} forward calls")
        print(f"  ours, structure= (every element)    {t_struct * 1e3:9.2f} ms  verdict "
              f"{'ok' if r_struct.ok else 'WRONG'}, {r_struct.calls} forward calls")
        print(f"  gradcheck fast_mode=True            {t_fast * 1e3:9.2f} ms  max rel error {e_fast:.1e}  verdict "
              f"{'ok' if ok_fast else 'WRONG'} (one projection: no element named)")
        print(f"  ratio plain(vectorised)/fast: {t_plain / t_fast:.2f}x (goal <= 3x)")
        if side == 16 or args.slow_32:
            t_slow, e_slow, ok_slow = torch_gradcheck(x, w, b, fast=False, repeat=1)
            print(f"  gradcheck slow (default)            {t_slow * 1e3:9.2f} ms  max rel error {e_slow:.1e}  "
                  f"verdict {'ok' if ok_slow else 'WRONG'} (full Jacobian, one run)")
            print(f"  ratio slow/plain(vectorised): {t_slow / t_plain:.0f}x (goal >= 100x); "
                  f"slow/plain(naive-loop): {t_slow / t_naive:.1f}x")
        else:
            print("  gradcheck slow: skipped (pass --slow-32)")
        for arg in ("x", "w"):
            t_bad, r_bad, where = one_wrong_entry(x, w, b, vf, vb, arg=arg)
            found = r_bad[arg].worst is not None and r_bad[arg].worst.index == where
            print(f"  one entry d{arg}{list(where)} off by 1e-4 relative: {'caught' if not r_bad.ok else 'MISSED'}"
                  f", {'located there' if found else 'NOT located'}, {t_bad * 1e3:.0f} ms, {r_bad.calls} calls "
                  f"(the projection disagrees, then d{arg} is halved down to the entry)")
    print("\nWhere our time goes: a passing plain call is 2 forward and 2 backward calls (base, determinism) and "
          "4 along one random direction through every argument; gradcheck fast_mode spends about the same on "
          "its one projection. A failing one adds 4 calls per argument, then halves the failing argument (8 calls "
          "a level) or, when errors are many, differences it entry by entry (4 calls an entry).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
