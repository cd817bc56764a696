"""Exact conv2d derivation plus proofs vs plain ``sympy.diff`` of the flattened loss, measured in one run.

Each measurement runs in a fresh interpreter: SymPy's cache makes a second run in the same process look
about ten times faster. Both methods' gradients are compared entry by entry, so speed is not bought with
a different answer.

    python bench/derive_vs_diff.py            # 14x14 input, 5x5 kernel, and LeNet C1
    python bench/derive_vs_diff.py --quick    # 8x8 with 3x3 only (a few seconds)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OURS = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from derivations import derive_conv2d  # imported before the clock starts, as sympy is for the peer
t = time.perf_counter()
d = derive_conv2d({inp}, {ker}, bias=False)
ok = d.all_hold and not any(r.holds for r in d.pitfalls if r.name == "dx_unrotated_kernel")
dt = time.perf_counter() - t
gx = [str(e) for e in d.grads[d.names["input"]].reshape(len(d.grads[d.names["input"]])).tolist()]
print(json.dumps({{"seconds": dt, "proved": ok, "terms": sum(len(e.args) for e in d.forward.reshape(len(d.forward)).tolist()),
                  "dx": gx if {compare} else None}}))
"""

DIFF = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import sympy
from derivations._symbols import seed_tensor
h, w = {inp}; kh, kw = {ker}
A, K = seed_tensor("A", (h, w)), seed_tensor("K", (kh, kw))
G = seed_tensor("G", (h - kh + 1, w - kw + 1))
t = time.perf_counter()
L = sympy.Add(*[G[i, j] * A[i + p, j + q] * K[p, q] for i in range(h - kh + 1) for j in range(w - kw + 1)
                for p in range(kh) for q in range(kw)])
dA = [sympy.diff(L, A[i, j]) for i in range(h) for j in range(w)]
dK = [sympy.diff(L, K[p, q]) for p in range(kh) for q in range(kw)]
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "dx": [str(e) for e in dA]}}))
"""


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def same(a: list[str], b: list[str]) -> bool:
    import sympy

    return all(sympy.expand(sympy.sympify(x) - sympy.sympify(y)) == 0 for x, y in zip(a, b)) and len(a) == len(b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="8x8 input, 3x3 kernel only")
    args = ap.parse_args()
    size, k = ((8, 8), (3, 3)) if args.quick else ((14, 14), (5, 5))
    ours = run(OURS.format(root=ROOT, inp=size, ker=k, compare=True))
    diff = run(DIFF.format(root=ROOT, inp=size, ker=k))
    agree = same(ours["dx"], diff["dx"])
    print(f"conv2d {size[0]}x{size[1]} input, {k[0]}x{k[1]} kernel ({ours['terms']} product terms), fresh processes")
    print(f"  sympy.diff of the flattened loss : {diff['seconds']:8.3f} s")
    print(f"  gradproof derive + proofs        : {ours['seconds']:8.3f} s   all rules proved: {ours['proved']}")
    print(f"  ratio                            : {diff['seconds'] / ours['seconds']:8.1f}x   "
          f"input gradients agree: {agree}")
    if not args.quick:
        lenet = run(OURS.format(root=ROOT, inp=(1, 1, 28, 28), ker=(6, 1, 5, 5), compare=False))
        print(f"LeNet C1 (1x28x28 input, 6 filters 5x5, {lenet['terms']} terms): derive + proofs "
              f"{lenet['seconds']:.2f} s, all rules proved: {lenet['proved']}")
    return 0 if agree and ours["proved"] else 1


if __name__ == "__main__":
    sys.exit(main())
