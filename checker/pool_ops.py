r"""The proven pooling rules as fast numpy functions, on the last two axes (activations: ``activation_ops``).

Every function works on (H, W) and on (N, C, H, W) alike: pooling acts on the last two axes and
broadcasts over the rest. ``derivations.derive_pool2d`` proves each rule exactly; the tests compare
these functions with the symbolic gradients on random values.

Conventions (the same as the derivations):

* stride defaults to nothing here (keyword-only and required): ``derive_pool2d`` defaults it to the window;
* mean pooling pads with zeros and always divides by ``kh * kw`` (padding counts, like
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

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from derivations._validate import out_size, pair

from .ops import pad2d



def pool_out_size(size: int, k: int, *, stride: int, pad: int = 0) -> int:
    """Output length ``1 + (size + 2*pad - k) // stride`` of one axis; ValueError on impossible settings.

    >>> pool_out_size(6, 3, stride=3), pool_out_size(7, 3, stride=2), pool_out_size(5, 2, stride=2)
    (2, 3, 2)
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad!r}")
    if k < 1:
        raise ValueError(f"window must be >= 1, got {k!r}")
    if k > size + 2 * pad:
        raise ValueError(f"window {k!r} is larger than the padded input {size + 2 * pad} (size {size}, pad {pad})")
    return out_size(size, k, stride=stride, pad=pad)


def _geometry(shape, kh, kw, stride, pad):
    sh, sw = pair("stride", stride)
    ph, pw = pair("pad", pad, low=0)
    ho = pool_out_size(shape[-2], kh, stride=sh, pad=ph)
    wo = pool_out_size(shape[-1], kw, stride=sw, pad=pw)
    return sh, sw, ph, pw, ho, wo


def _check_dout(dout, ho, wo):
    if dout.shape[-2:] != (ho, wo):
        raise ValueError(f"dout must end in the output shape {(ho, wo)}, got shape {dout.shape}")


def _windows(xp: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """(..., H', W', kh, kw) view of the pooling windows of a padded array."""
    return sliding_window_view(xp, (kh, kw), axis=(-2, -1))[..., ::sh, ::sw, :, :]


def meanpool_forward(x, kh: int, kw: int, *, stride, pad=0) -> np.ndarray:
    """out[.., i, j] = sum of the window at (i*s, j*s) of the zero-padded x, divided by kh*kw.

    >>> meanpool_forward(np.arange(16.).reshape(4, 4), 2, 2, stride=2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = np.asarray(x)
    sh, sw, ph, pw, ho, wo = _geometry(x.shape, kh, kw, stride, pad)
    win = _windows(pad2d(x, ph, ph, pw, pw), kh, kw, sh, sw)
    return win.sum(axis=(-2, -1)) / (kh * kw)


def meanpool_backward(dout, x_shape, kh: int, kw: int, *, stride, pad=0) -> np.ndarray:
    r"""dX of mean pooling by scatter-add: every window spreads dout[i, j] / (kh*kw) over its cells.

    One vectorised slice-add per window offset (p, q): dXpad[.., i*s+p, j*s+q] += dout[.., i, j] / (kh kw).
    Overlapping windows add up; cells no window reaches (and the padding, cropped away) get zero.

    >>> meanpool_backward(np.ones((1, 1)), (3, 3), 2, 2, stride=2)
    array([[0.25, 0.25, 0.  ],
           [0.25, 0.25, 0.  ],
           [0.  , 0.  , 0.  ]])
    """
    dout = np.asarray(dout, dtype=float)
    sh, sw, ph, pw, ho, wo = _geometry(x_shape, kh, kw, stride, pad)
    _check_dout(dout, ho, wo)
    h, w = x_shape[-2:]
    dxp = np.zeros(dout.shape[:-2] + (h + 2 * ph, w + 2 * pw))
    share = dout / (kh * kw)
    for p in range(kh):
        for q in range(kw):
            dxp[..., p : p + sh * (ho - 1) + 1 : sh, q : q + sw * (wo - 1) + 1 : sw] += share
    return dxp[..., ph : ph + h, pw : pw + w]


def meanpool_backward_fullconv(dout, x_shape, kh: int, kw: int, *, stride, pad=0) -> np.ndarray:
    r"""The same dX by the convolution rule: crop_p(pad_r(full_conv(dilate_s(dout), ones(kh, kw) / (kh kw)))).

    r = (H + 2p - k) mod s rows (columns) the strided windows never reach get zero before cropping.

    >>> g = np.arange(9.).reshape(3, 3)
    >>> bool(np.allclose(meanpool_backward_fullconv(g, (7, 7), 3, 3, stride=2),
    ...                  meanpool_backward(g, (7, 7), 3, 3, stride=2)))
    True
    """
    dout = np.asarray(dout, dtype=float)
    sh, sw, ph, pw, ho, wo = _geometry(x_shape, kh, kw, stride, pad)
    _check_dout(dout, ho, wo)
    h, w = x_shape[-2:]
    dil = np.zeros(dout.shape[:-2] + ((ho - 1) * sh + 1, (wo - 1) * sw + 1))
    dil[..., ::sh, ::sw] = dout
    full_in = pad2d(dil, kh - 1, kh - 1, kw - 1, kw - 1)
    ones = np.ones((kh, kw)) / (kh * kw)  # rot180(ones) == ones: the rotation is invisible here
    full = np.einsum("...hwij,ij->...hw", sliding_window_view(full_in, (kh, kw), axis=(-2, -1)), ones)
    rh, rw = h + 2 * ph - full.shape[-2], w + 2 * pw - full.shape[-1]
    full = pad2d(full, 0, rh, 0, rw)
    return full[..., ph : ph + h, pw : pw + w]


def kron_upsample(g, k, *, shape=None) -> np.ndarray:
    r"""The seed's ``expand``: kron(g, ones(kh, kw)) / (kh kw) on the last two axes.

    This is mean-pool backward only for non-overlapping windows (stride == window) without padding;
    ``shape`` zero-pads the bottom/right to the input size when H or W is not a multiple of the window.

    >>> kron_upsample(np.array([[4., 8.]]), 2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    >>> kron_upsample(np.array([[4.]]), 2, shape=(3, 3))[2]
    array([0., 0., 0.])
    """
    kh, kw = pair("k", k)
    g = np.asarray(g, dtype=float)
    up = np.repeat(np.repeat(g, kh, axis=-2), kw, axis=-1) / (kh * kw)
    if shape is None:
        return up
    h, w = shape[-2:]
    rh, rw = h - up.shape[-2], w - up.shape[-1]
    if rh < 0 or rw < 0:
        raise ValueError(f"shape {tuple(shape)!r} is smaller than the upsampled gradient {up.shape[-2:]}")
    return pad2d(up, 0, rh, 0, rw)


def _argmax_cells(x, kh, kw, stride, pad):
    """Where each window's first maximum is: (flat padded index, argmax within the window, padded rows,
    padded cols, padded shape, (ph, pw))."""
    x = np.asarray(x)
    sh, sw, ph, pw, ho, wo = _geometry(x.shape, kh, kw, stride, pad)
    if ph >= kh or pw >= kw:
        raise ValueError(f"pad must be smaller than the window for max pooling, got pad {pad!r}, window {(kh, kw)}")
    xp = x if ph == pw == 0 else np.pad(x.astype(float), [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)],
                                         constant_values=-np.inf)
    win = _windows(xp, kh, kw, sh, sw)
    flat = win.reshape(win.shape[:-2] + (kh * kw,))
    a = flat.argmax(axis=-1)  # first maximum in row-major order: the tie convention
    rows = np.arange(ho)[:, None] * sh + a // kw
    cols = np.arange(wo)[None, :] * sw + a % kw
    return flat, a, rows, cols, xp.shape, (ph, pw)


def maxpool_forward(x, kh: int, kw: int, *, stride, pad=0) -> np.ndarray:
    """out[.., i, j] = max of the window at (i*s, j*s) of x padded with -inf.

    >>> maxpool_forward(np.arange(16.).reshape(4, 4), 2, 2, stride=2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    flat, a, *_ = _argmax_cells(x, kh, kw, stride, pad)
    return np.take_along_axis(flat, a[..., None], axis=-1)[..., 0]


def maxpool_backward(dout, x, kh: int, kw: int, *, stride, pad=0) -> np.ndarray:
    r"""dX of max pooling: dout[i, j] goes to the first argmax of window (i, j), accumulated with ``np.add.at``.

    ``+=`` through ``np.add.at`` (not ``=``) is what makes a cell that wins two overlapping windows
    receive both gradients.

    >>> x = np.array([[0., 1, 0], [0, 9, 0], [0, 0, 0]])
    >>> float(maxpool_backward(np.ones((2, 2)), x, 2, 2, stride=1)[1, 1])
    4.0
    """
    x = np.asarray(x)
    dout = np.asarray(dout, dtype=float)
    _, _, rows, cols, pshape, (ph, pw) = _argmax_cells(x, kh, kw, stride, pad)
    _check_dout(dout, *rows.shape[-2:])
    lead = x.shape[:-2]
    b = int(np.prod(lead, dtype=int))
    dxp = np.zeros((b,) + pshape[-2:])
    bidx = np.broadcast_to(np.arange(b).reshape((b, 1, 1)), (b,) + rows.shape[-2:])
    np.add.at(dxp, (bidx, rows.reshape((b,) + rows.shape[-2:]), cols.reshape((b,) + cols.shape[-2:])),
              np.broadcast_to(dout, rows.shape).reshape((b,) + rows.shape[-2:]))
    h, w = x.shape[-2:]
    return dxp.reshape(lead + pshape[-2:])[..., ph : ph + h, pw : pw + w]
