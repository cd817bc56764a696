"""Mistake: rot180 transposes the kernel instead of rotating it."""
import numpy as np


def xcorr2d(a, k):
    kh, kw = k.shape
    out = np.zeros((a.shape[0] - kh + 1, a.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(a[i:i + kh, j:j + kw] * k)
    return out


def rot180(k):
    return k.T.copy()


def full_conv2d(g, k):
    kh, kw = k.shape
    return xcorr2d(np.pad(g, ((kh - 1, kh - 1), (kw - 1, kw - 1))), rot180(k))


def meanpool_backward2d(g, kh, kw):
    return np.kron(g, np.ones((kh, kw))) / (kh * kw)


def maxpool_backward2d(g, a, kh, kw, stride):
    dx = np.zeros_like(a, dtype=float)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            win = a[i * stride:i * stride + kh, j * stride:j * stride + kw]
            p, q = np.unravel_index(np.argmax(win), win.shape)
            dx[i * stride + p, j * stride + q] += g[i, j]
    return dx


def conv_forward(x, w, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, f = x.shape[0], w.shape[0]
    ho = 1 + (xp.shape[2] - w.shape[2]) // stride
    wo = 1 + (xp.shape[3] - w.shape[3]) // stride
    out = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * stride:i * stride + w.shape[2], j * stride:j * stride + w.shape[3]]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def conv_backward(dout, x, w, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            hs, ws = i * stride, j * stride
            dxp[:, :, hs:hs + hh, ws:ws + ww] += np.tensordot(dout[:, :, i, j], w, axes=(1, 0))
            dw += np.tensordot(dout[:, :, i, j], xp[:, :, hs:hs + hh, ws:ws + ww], axes=(0, 0))
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def maxpool_forward(x, kh, kw, stride):
    ho, wo = 1 + (x.shape[2] - kh) // stride, 1 + (x.shape[3] - kw) // stride
    out = np.zeros(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw].max(axis=(2, 3))
    return out


def maxpool_backward(dout, x, kh, kw, stride):
    dx = np.zeros_like(x, dtype=float)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            dx[n, c] = maxpool_backward2d(dout[n, c], x[n, c], kh, kw, stride)
    return dx
