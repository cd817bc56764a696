"""Mistakes in a full-convolution backward: the kernel is not rotated and dout is not dilated for stride."""
import numpy as np
from forward_parts import conv_forward_naive, max_pool_forward_naive, max_pool_backward_naive  # noqa: F401


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    pad = conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    g = np.pad(dout, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    full = np.zeros((N, C, g.shape[2] - HH + 1, g.shape[3] - WW + 1))
    for n in range(N):
        for c in range(C):
            for i in range(full.shape[2]):
                for j in range(full.shape[3]):
                    # should be w[:, c, ::-1, ::-1]: the full convolution needs the kernel rotated by 180 degrees
                    full[n, c, i, j] = np.sum(g[n, :, i:i + HH, j:j + WW] * w[:, c])
    full = np.pad(full, ((0, 0), (0, 0), (0, max(0, H + 2 * pad - full.shape[2])), (0, max(0, W + 2 * pad - full.shape[3]))))
    dx = full[:, :, pad:pad + H, pad:pad + W]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros_like(w)
    for f in range(F):
        for c in range(C):
            for p in range(HH):
                for q in range(WW):
                    dw[f, c, p, q] = np.sum(xp[:, c, p:p + dout.shape[2], q:q + dout.shape[3]] * dout[:, f])
    return dx, dw, dout.sum(axis=(0, 2, 3))
