r"""The proven pooling rules as fast numpy functions, on the last two axes (activations: ``activation_ops``).

Every function works on (H, W) and on (N, C, H, W) alike: pooling acts on the last two axes and
broadcasts over the rest. ``derivations.derive_pool2d`` proves each rule exactly; the tests compare
these functions with the symbolic gradients on random values.

Conventions (the same as the derivations):

* stride defaults to nothing here (keyword-only and required): ``derive_pool2d`` defaults it to the window;
* mean pooling pads with zeros and always divides by ``pool_h * pool_w`` (padding counts, like
  ``avg_pool2d(count_include_pad=True)``);
* max pooling pads with ``-inf`` (padding never wins) and routes a tie to the FIRST maximum of the window
  in row-major order, the ``numpy.argmax`` convention; the gradient of a cell that is the maximum of
  several overlapping windows is the sum of their upstream gradients;

>>> import numpy as np
>>> x = np.array([[1., 0, 4], [8, 2, 5], [20, 13, 25]])
>>> maxpool_forward(x, 3, 3, stride=3), maxpool_backward(np.ones((1, 1)), x, 3, 3, stride=3)[2]
(array([[25.]]), array([0., 0., 1.]))
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from derivations._validate import GradproofError, out_size, pair, whole

from checker.ops import pad2d


def pool_out_size(size: int, window: int, *, stride: int, pad: int = 0) -> int:
    """Output length ``1 + (size + 2*pad - window) // stride`` of one axis; GradproofError on impossible settings.

    >>> pool_out_size(6, 3, stride=3), pool_out_size(7, 3, stride=2), pool_out_size(5, 2, stride=2)
    (2, 3, 2)
    """
    stride, pad, window = whole("stride", stride), whole("pad", pad, low=0), whole("window", window)
    if window > size + 2 * pad:
        raise GradproofError(f"window {window!r} is larger than the padded input {size + 2 * pad} "
                             f"(size {size}, pad {pad})")
    return out_size(size, window, stride=stride, pad=pad)


class _Grid(NamedTuple):
    """Where the windows sit: stride and pad parts and the output size, per axis."""

    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    out_h: int
    out_w: int


def _grid(shape, pool_h, pool_w, stride, pad) -> _Grid:
    stride_h, stride_w = pair("stride", stride)
    pad_h, pad_w = pair("pad", pad, low=0)
    return _Grid(stride_h, stride_w, pad_h, pad_w, pool_out_size(shape[-2], pool_h, stride=stride_h, pad=pad_h),
                 pool_out_size(shape[-1], pool_w, stride=stride_w, pad=pad_w))


def _check_dout(dout, out_h, out_w):
    if dout.shape[-2:] != (out_h, out_w):
        raise GradproofError(f"dout must end in the output shape {(out_h, out_w)}, got shape {dout.shape}")


def _windows(xp: np.ndarray, pool_h: int, pool_w: int, g: _Grid) -> np.ndarray:
    """(..., H', W', pool_h, pool_w) view of the pooling windows of a padded array."""
    return sliding_window_view(xp, (pool_h, pool_w), axis=(-2, -1))[..., ::g.stride_h, ::g.stride_w, :, :]


def meanpool_forward(x, pool_h: int, pool_w: int, *, stride, pad=0) -> np.ndarray:
    """out[.., i, j] = sum of the window at (i*s, j*s) of the zero-padded x, divided by pool_h*pool_w.

    >>> meanpool_forward(np.arange(16.).reshape(4, 4), 2, 2, stride=2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = np.asarray(x)
    g = _grid(x.shape, pool_h, pool_w, stride, pad)
    win = _windows(pad2d(x, g.pad_h, g.pad_h, g.pad_w, g.pad_w), pool_h, pool_w, g)
    return win.sum(axis=(-2, -1)) / (pool_h * pool_w)


def meanpool_backward(dout, x_shape, pool_h: int, pool_w: int, *, stride, pad=0) -> np.ndarray:
    r"""dX of mean pooling by scatter-add: every window spreads dout[i, j] / (pool_h*pool_w) over its cells.

    One vectorised slice-add per window offset (p, q): dXpad[.., i*s+p, j*s+q] += dout[.., i, j] / (pool_h pool_w).
    Overlapping windows add up; cells no window reaches (and the padding, cropped away) get zero.

    >>> meanpool_backward(np.ones((1, 1)), (3, 3), 2, 2, stride=2)
    array([[0.25, 0.25, 0.  ],
           [0.25, 0.25, 0.  ],
           [0.  , 0.  , 0.  ]])
    """
    dout = np.asarray(dout, dtype=float)
    g = _grid(x_shape, pool_h, pool_w, stride, pad)
    _check_dout(dout, g.out_h, g.out_w)
    (h, w), (stride_h, stride_w), (pad_h, pad_w) = x_shape[-2:], (g.stride_h, g.stride_w), (g.pad_h, g.pad_w)
    dxp = np.zeros(dout.shape[:-2] + (h + 2 * pad_h, w + 2 * pad_w))
    share = dout / (pool_h * pool_w)
    for p in range(pool_h):
        for q in range(pool_w):
            dxp[..., p : p + stride_h * (g.out_h - 1) + 1 : stride_h,
                q : q + stride_w * (g.out_w - 1) + 1 : stride_w] += share
    return dxp[..., pad_h : pad_h + h, pad_w : pad_w + w]


def meanpool_backward_fullconv(dout, x_shape, pool_h: int, pool_w: int, *, stride, pad=0) -> np.ndarray:
    r"""The same dX by the convolution rule: crop_p(pad_r(full_conv(dilate_s(dout), ones / (pool_h pool_w)))).

    ``ones`` is the ``pool_h x pool_w`` window of ones; r = (H + 2p - window) mod s rows (columns) the
    strided windows never reach get zero before cropping.

    >>> g = np.arange(9.).reshape(3, 3)
    >>> bool(np.allclose(meanpool_backward_fullconv(g, (7, 7), 3, 3, stride=2),
    ...                  meanpool_backward(g, (7, 7), 3, 3, stride=2)))
    True
    """
    dout = np.asarray(dout, dtype=float)
    g = _grid(x_shape, pool_h, pool_w, stride, pad)
    _check_dout(dout, g.out_h, g.out_w)
    (h, w), (pad_h, pad_w) = x_shape[-2:], (g.pad_h, g.pad_w)
    dil = np.zeros(dout.shape[:-2] + ((g.out_h - 1) * g.stride_h + 1, (g.out_w - 1) * g.stride_w + 1))
    dil[..., ::g.stride_h, ::g.stride_w] = dout
    full_in = pad2d(dil, pool_h - 1, pool_h - 1, pool_w - 1, pool_w - 1)
    ones = np.ones((pool_h, pool_w)) / (pool_h * pool_w)  # rot180(ones) == ones: the rotation is invisible here
    full = np.einsum("...hwij,ij->...hw", sliding_window_view(full_in, (pool_h, pool_w), axis=(-2, -1)), ones)
    rh, rw = h + 2 * pad_h - full.shape[-2], w + 2 * pad_w - full.shape[-1]
    full = pad2d(full, 0, rh, 0, rw)
    return full[..., pad_h : pad_h + h, pad_w : pad_w + w]


def kron_upsample(g, window, *, shape=None) -> np.ndarray:
    r"""The seed's ``expand``: kron(g, ones(pool_h, pool_w)) / (pool_h pool_w) on the last two axes.

    ``window`` is a whole number or a ``(pool_h, pool_w)`` pair. This is mean-pool backward only for
    non-overlapping windows (stride == window) without padding; ``shape`` zero-pads the bottom/right to the
    input size when H or W is not a multiple of the window.

    >>> kron_upsample(np.array([[4., 8.]]), 2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    >>> kron_upsample(np.array([[4.]]), 2, shape=(3, 3))[2]
    array([0., 0., 0.])
    """
    pool_h, pool_w = pair("window", window)
    g = np.asarray(g, dtype=float)
    up = np.repeat(np.repeat(g, pool_h, axis=-2), pool_w, axis=-1) / (pool_h * pool_w)
    if shape is None:
        return up
    h, w = shape[-2:]
    rh, rw = h - up.shape[-2], w - up.shape[-1]
    if rh < 0 or rw < 0:
        raise GradproofError(f"shape {tuple(shape)!r} is smaller than the upsampled gradient {up.shape[-2:]}")
    return pad2d(up, 0, rh, 0, rw)


class _Argmax(NamedTuple):
    """Where each window's first maximum is, in the padded input."""

    flat: np.ndarray  # (..., H', W', pool_h*pool_w): each window's cells, row-major
    a: np.ndarray  # (..., H', W'): the argmax within each window
    rows: np.ndarray  # (..., H', W'): its padded row
    cols: np.ndarray  # (..., H', W'): its padded column
    padded_shape: tuple[int, ...]
    grid: _Grid


def _argmax_cells(x, pool_h, pool_w, stride, pad) -> _Argmax:
    x = np.asarray(x)
    g = _grid(x.shape, pool_h, pool_w, stride, pad)
    pad_h, pad_w = g.pad_h, g.pad_w
    if pad_h >= pool_h or pad_w >= pool_w:
        raise GradproofError(f"pad must be smaller than the window for max pooling, got pad {pad!r}, "
                             f"window {(pool_h, pool_w)}")
    edges = [(0, 0)] * (x.ndim - 2) + [(pad_h, pad_h), (pad_w, pad_w)]
    xp = x if pad_h == pad_w == 0 else np.pad(x.astype(float), edges, constant_values=-np.inf)
    win = _windows(xp, pool_h, pool_w, g)
    flat = win.reshape(win.shape[:-2] + (pool_h * pool_w,))
    a = flat.argmax(axis=-1)  # first maximum in row-major order: the tie convention
    rows = np.arange(g.out_h)[:, None] * g.stride_h + a // pool_w
    cols = np.arange(g.out_w)[None, :] * g.stride_w + a % pool_w
    return _Argmax(flat, a, rows, cols, xp.shape, g)


def maxpool_forward(x, pool_h: int, pool_w: int, *, stride, pad=0) -> np.ndarray:
    """out[.., i, j] = max of the window at (i*s, j*s) of x padded with -inf.

    >>> maxpool_forward(np.arange(16.).reshape(4, 4), 2, 2, stride=2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    m = _argmax_cells(x, pool_h, pool_w, stride, pad)
    return np.take_along_axis(m.flat, m.a[..., None], axis=-1)[..., 0]


def maxpool_backward(dout, x, pool_h: int, pool_w: int, *, stride, pad=0) -> np.ndarray:
    r"""dX of max pooling: dout[i, j] goes to the first argmax of window (i, j), accumulated with ``np.add.at``.

    ``+=`` through ``np.add.at`` (not ``=``) is what makes a cell that wins two overlapping windows
    receive both gradients.

    >>> x = np.array([[0., 1, 0], [0, 9, 0], [0, 0, 0]])
    >>> float(maxpool_backward(np.ones((2, 2)), x, 2, 2, stride=1)[1, 1])
    4.0
    """
    x = np.asarray(x)
    dout = np.asarray(dout, dtype=float)
    m = _argmax_cells(x, pool_h, pool_w, stride, pad)
    rows, cols, pshape = m.rows, m.cols, m.padded_shape
    _check_dout(dout, *rows.shape[-2:])
    lead = x.shape[:-2]
    b = int(np.prod(lead, dtype=int))
    dxp = np.zeros((b,) + pshape[-2:])
    bidx = np.broadcast_to(np.arange(b).reshape((b, 1, 1)), (b,) + rows.shape[-2:])
    np.add.at(dxp, (bidx, rows.reshape((b,) + rows.shape[-2:]), cols.reshape((b,) + cols.shape[-2:])),
              np.broadcast_to(dout, rows.shape).reshape((b,) + rows.shape[-2:]))
    (h, w), (pad_h, pad_w) = x.shape[-2:], (m.grid.pad_h, m.grid.pad_w)
    return dxp.reshape(lead + pshape[-2:])[..., pad_h : pad_h + h, pad_w : pad_w + w]
