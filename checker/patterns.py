r"""Pattern summaries of where a gradient is wrong: the shape of a mistake often names the mistake.

Each pattern is a short machine-readable string ("border:1" (its width), "one-channel:2", "one-sample:0",
"factor:0.25", "transposed", "rotated"); renderers translate them.

>>> import numpy as np
>>> e = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
>>> describe(4 * e, e, np.ones(e.shape, bool))
('factor:4',)
"""
from __future__ import annotations

import numpy as np


def _close(a, b) -> bool:
    """Equal up to round-off-sized noise relative to the array's scale (a pattern, not a verdict)."""
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
    return bool(np.max(np.abs(a - b)) <= 1e-6 * scale) if a.size else False


def describe(got: np.ndarray, expected: np.ndarray, bad: np.ndarray) -> tuple[str, ...]:
    """Patterns the failing elements follow, most specific first."""
    out: list[str] = []
    if not bad.any():
        return ()
    nz = np.abs(expected) > 1e-12 * max(float(np.max(np.abs(expected))), 1e-300)
    if nz.any():
        k = float(np.dot(got[nz], expected[nz]) / np.dot(expected[nz], expected[nz]))
        if abs(k - 1) > 1e-6 and abs(k) > 1e-12 and _close(got, k * expected):
            out.append(f"factor:{k:.4g}")
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] and got.shape[-1] > 1:
        if _close(got, np.swapaxes(expected, -1, -2)):
            out.append("transposed")
    if got.ndim >= 2 and got.size > 1 and _close(got, expected[..., ::-1, ::-1]):
        out.append("rotated")
    if got.ndim == 4 and got.shape[2] > 2 and got.shape[3] > 2:
        h, w = got.shape[2:]
        i, j = np.nonzero(bad.any(axis=(0, 1)))
        depth = np.minimum(np.minimum(i, h - 1 - i), np.minimum(j, w - 1 - j))
        if depth.max() < max(1, min(h, w) // 4) and min(h, w) > 2 * (depth.max() + 1):
            out.append(f"border:{int(depth.max()) + 1}")
    if got.ndim >= 2 and got.shape[1] > 1:
        ch = np.nonzero(bad.any(axis=tuple(a for a in range(bad.ndim) if a != 1)))[0]
        if ch.size == 1:
            out.append(f"one-channel:{int(ch[0])}")
    if got.ndim >= 1 and got.shape[0] > 1:
        ns = np.nonzero(bad.reshape(bad.shape[0], -1).any(axis=1))[0]
        if ns.size == 1:
            out.append(f"one-sample:{int(ns[0])}")
    return tuple(out)
