"""Measure what an exact conv derivation costs (wall time, peak memory) against its number of product terms.

Each shape runs in a fresh Python process (no warm caches, no memory left over from the previous shape),
timing derive_conv2d alone (imports excluded; CPU seconds, which a shared machine's other load does not
inflate; wall seconds are printed beside them) and reading the peak resident set before and after. Then it
fits wall time = a * terms**p (least squares in log-log) and memory = c * terms (MB per term, through the
origin above the import baseline), and prints the constants that derivations/cost.py uses.

    python bench/derive_cost.py --command  # the whole derive conv command: derivations/cost.py's conv constants
    python bench/derive_cost.py            # the derivation alone (about three minutes on a 2-core machine)
    python bench/derive_cost.py --activations   # sigmoid and ReLU: seconds per entry
    python bench/derive_cost.py --pooling       # mean and max pooling: seconds per window cell
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from derivations import cost, derive_conv2d
cost.LIMIT_SECONDS = float("inf")  # measure past the refusal limit too
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
d = derive_conv2d({inp}, {ker}, stride={stride}, pad={pad})
wall, cpu = time.perf_counter() - t, time.process_time() - c
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": cpu, "wall": wall, "mb": (after - before) / 1024}}))
"""

# (input, kernel, stride, pad): seed and cs231n layouts, strides and padding, 500 to 90,000 terms
CASES = [((10, 10), (3, 3), 1, 0), ((16, 16), (3, 3), 1, 1), ((20, 20), (5, 5), 1, 0), ((24, 24), (5, 5), 2, 2),
         ((28, 28), (5, 5), 1, 0), ((1, 2, 16, 16), (3, 2, 3, 3), 1, 1), ((36, 36), (5, 5), 1, 0),
         ((44, 44), (5, 5), 1, 0), ((52, 52), (5, 5), 1, 0), ((64, 64), (5, 5), 1, 0), ((80, 80), (5, 5), 1, 0)]


def terms(inp, ker, stride, pad):
    sys.path.insert(0, str(ROOT))
    from derivations.cost import conv_terms

    return conv_terms(inp, ker, stride=stride, pad=pad)


def main():
    rows = []
    for inp, ker, stride, pad in CASES:
        code = CHILD.format(root=str(ROOT), inp=inp, ker=ker, stride=stride, pad=pad)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        n = terms(inp, ker, stride, pad)
        rows.append((n, r["seconds"], r["wall"], r["mb"]))
        print(f"{'x'.join(map(str, inp)):>12} {'x'.join(map(str, ker)):>8} s={stride} P={pad}: {n:>7} terms "
              f"{r['seconds']:8.2f} s CPU {r['wall']:8.2f} s wall {r['mb']:8.1f} MB", flush=True)
    # Fitted on wall seconds (what a learner waits on this shared machine; CPU seconds are printed for
    # comparison) and on the cases of 10,000 terms or more, where per-term work outweighs the fixed costs.
    big = [r for r in rows if r[0] >= 10_000]
    xs = [math.log(n) for n, _, _, _ in big]
    ys = [math.log(w) for _, _, w, _ in big]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    p = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a = math.exp(my - p * mx)
    mb = sum(n * m for n, _, _, m in rows) / sum(n * n for n, _, _, _ in rows)
    worst = max(w / (a * n ** p) for n, _, w, _ in big)
    print(f"fit: wall seconds = {a:.3e} * terms ** {p:.3f}; MB = {mb:.3e} * terms; "
          f"worst measured/predicted {worst:.2f}")


ACT_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from derivations import derive_activation
t, c = time.perf_counter(), time.process_time()
derive_activation({kind!r}, {shape})
print(json.dumps({{"seconds": time.process_time() - c, "wall": time.perf_counter() - t}}))
"""


def activations():
    """Sigmoid (canonical p/q form of every entry) and ReLU cost a fixed time per entry: fit it (wall)."""
    for kind, shapes in (("sigmoid", [(6, 6), (10, 10), (14, 14)]), ("relu", [(10, 10), (20, 20), (30, 30)])):
        per = []
        for shape in shapes:
            code = ACT_CHILD.format(root=str(ROOT), kind=kind, shape=shape)
            r = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                          check=True).stdout)
            n = shape[0] * shape[1]
            per.append(r["wall"] / n)
            print(f"{kind:>8} {shape[0]}x{shape[1]}: {r['seconds']:6.2f} s CPU {r['wall']:6.2f} s wall "
                  f"({1000 * r['wall'] / n:.1f} ms wall per entry)", flush=True)
        print(f"{kind}: {max(per):.2e} wall seconds per entry (the largest of its cases)")


POOL_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from derivations import derive_pool2d
h, w = {shape}
t, c = time.perf_counter(), time.process_time()
derive_pool2d({kind!r}, (h, w), {k}, values=list(range(h * w)) if {kind!r} == "max" else None)
print(json.dumps({{"seconds": time.process_time() - c, "wall": time.perf_counter() - t}}))
"""


def pooling():
    """Mean pooling costs a fixed time per window cell; max pooling per window times cells squared (its
    Piecewise tries up to n branches of up to n conditions each): fit both constants (wall)."""
    for kind, cases in (("mean", [((40, 40), 2), ((80, 80), 2), ((60, 60), 3)]),
                        ("max", [((16, 16), 2), ((24, 24), 2), ((18, 18), 3), ((20, 20), 4)])):
        per = []
        for shape, k in cases:
            code = POOL_CHILD.format(root=str(ROOT), kind=kind, shape=shape, k=k)
            r = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                          check=True).stdout)
            windows = (shape[0] // k) * (shape[1] // k)
            units = windows * k * k * (k * k if kind == "max" else 1)
            per.append(r["wall"] / units)
            print(f"{kind:>5} {shape[0]}x{shape[1]} window {k}: {r['seconds']:6.2f} s CPU {r['wall']:6.2f} s wall "
                  f"({1e3 * r['wall'] / units:.2f} ms per {'window cell squared' if kind == 'max' else 'cell'})",
                  flush=True)
        print(f"{kind}: {max(per):.2e} wall seconds per unit (the largest of its cases)")


def command(sides=(32, 48, 72, 100)):
    """Time the whole ``derive conv --input SxS --kernel 5x5`` command (fresh processes: import, derivation,
    proofs, rendering: what a learner waits) and fit wall seconds = t0 + a * terms through the smallest-
    error pair of the two largest sizes; prints each point against the fit."""
    import time

    points = []
    for side in sides:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "derive", "conv", "--input", f"{side}x{side}",
                        "--kernel", "5x5", "--no-color"], stdout=subprocess.DEVNULL, check=True,
                       env={"PATH": "/usr/bin:/bin", "GRADPROOF_NO_LIMIT": "1"})
        points.append(((side - 4) ** 2 * 25, time.perf_counter() - start))
        print(f"{side}x{side}: {points[-1][0]} terms, {points[-1][1]:.2f} s", flush=True)
    (t1, s1), (t2, s2) = points[-2], points[-1]
    a = (s2 - s1) / (t2 - t1)
    t0 = s2 - a * t2
    print(f"SECONDS_0 = {t0:.3g}\nSECONDS_PER_TERM = {a:.4g}")
    for t, sec in points:
        print(f"  {t} terms: measured {sec:.2f} s, fit {t0 + a * t:.2f} s ({(t0 + a * t) / sec:.2f}x)")


if __name__ == "__main__":
    (command() if "--command" in sys.argv else activations() if "--activations" in sys.argv
     else pooling() if "--pooling" in sys.argv else main())
