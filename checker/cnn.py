r"""The course notes' small CNN, class style, as a correct numpy reference, and its training by SGD.

Each layer keeps what its backward needs during ``forward(input)``; ``backprop(d_L_d_out, learn_rate)``
returns ``d_L_d_input`` and updates the layer's own weights by ``learn_rate`` times their gradient, as in
the notes (``Conv3x3(8)``: 28x28 -> 26x26x8, ``MaxPool2()``: -> 13x13x8, ``Softmax(13*13*8, 10)``: -> 10
probabilities; the loss is ``-ln p[label]``). Every layer computes in its input's dtype.

>>> conv, pool, soft = Conv3x3(8), MaxPool2(), Softmax(13 * 13 * 8, 10)
>>> p = soft.forward(pool.forward(conv.forward(np.zeros((28, 28)))))
>>> p.shape, round(float(-np.log(p[3])), 3)  # an untrained network: every class 1/10, loss ln 10
((10,), 2.303)
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from checker.layerwise import class_layer
from derivations._validate import GradproofError


class Conv3x3:
    """``num_filters`` 3x3 filters, valid padding, one input channel: (h, w) -> (h-2, w-2, num_filters)."""

    def __init__(self, num_filters: int, seed: int = 0):
        self.num_filters = num_filters
        # dividing by 9 keeps the first outputs small, as the notes do
        self.filters = np.random.default_rng(seed).standard_normal((num_filters, 3, 3)) / 9

    def forward(self, input):
        self.last_input = input
        windows = sliding_window_view(input, (3, 3))  # (h-2, w-2, 3, 3): every 3x3 region
        return np.einsum("ijkl,fkl->ijf", windows, self.filters.astype(input.dtype))

    def backprop(self, d_L_d_out, learn_rate):
        windows = sliding_window_view(self.last_input, (3, 3))
        # every output position used each filter once: its gradient sums over all of them
        d_L_d_filters = np.einsum("ijf,ijkl->fkl", d_L_d_out, windows)
        # the input gradient is the full convolution of d_L_d_out with the rotated filters, summed over f
        padded = np.pad(d_L_d_out, ((2, 2), (2, 2), (0, 0)))
        d_L_d_input = np.einsum("ijklf,fkl->ij", sliding_window_view(padded, (3, 3), axis=(0, 1))
                                .transpose(0, 1, 3, 4, 2), self.filters[:, ::-1, ::-1].astype(d_L_d_out.dtype))
        self.filters = self.filters - learn_rate * d_L_d_filters
        return d_L_d_input


class MaxPool2:
    """2x2 max pooling, stride 2: (h, w, c) -> (h//2, w//2, c); odd edges are dropped, as in the notes."""

    def forward(self, input):
        self.last_input = input
        h, w, c = input.shape
        return input[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))

    def backprop(self, d_L_d_out):
        x = self.last_input
        h, w, c = x.shape
        cells = x[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c).transpose(0, 2, 4, 1, 3)
        cells = cells.reshape(h // 2, w // 2, c, 4)
        # the first maximal cell of each window takes the whole gradient (a tie is not split: one subgradient)
        routed = np.zeros_like(cells, dtype=d_L_d_out.dtype)
        np.put_along_axis(routed, cells.argmax(axis=-1)[..., None], d_L_d_out[..., None], axis=-1)
        routed = routed.reshape(h // 2, w // 2, c, 2, 2).transpose(0, 3, 1, 4, 2).reshape(h // 2 * 2, w // 2 * 2, c)
        d_L_d_input = np.zeros(x.shape, dtype=d_L_d_out.dtype)
        d_L_d_input[:h // 2 * 2, :w // 2 * 2] = routed
        return d_L_d_input


class Softmax:
    """A dense layer with softmax: any input shape, flattened in C order, -> ``nodes`` probabilities."""

    def __init__(self, input_len: int, nodes: int, seed: int = 0):
        # dividing by input_len keeps the first totals near 0: an untrained network starts near 1/nodes
        self.weights = np.random.default_rng(seed + 1).standard_normal((input_len, nodes)) / input_len
        self.biases = np.zeros(nodes)

    def forward(self, input):
        self.last_input_shape = input.shape
        self.last_input = input.ravel()
        totals = self.last_input @ self.weights.astype(input.dtype) + self.biases.astype(input.dtype)
        e = np.exp(totals - totals.max())  # shifted: the same probabilities, no overflow
        self.last_p = e / e.sum()
        return self.last_p

    def backprop(self, d_L_d_out, learn_rate):
        p = self.last_p
        # softmax's Jacobian dp_i/dt_j = p_i (delta_ij - p_j), applied to d_L_d_out without forming it;
        # for the loss -ln p[label] this is p - onehot(label)
        d_L_d_t = p * (d_L_d_out - d_L_d_out @ p)
        d_L_d_w = np.outer(self.last_input, d_L_d_t)
        d_L_d_input = (self.weights.astype(d_L_d_t.dtype) @ d_L_d_t).reshape(self.last_input_shape)
        self.weights = self.weights - learn_rate * d_L_d_w
        self.biases = self.biases - learn_rate * d_L_d_t
        return d_L_d_input


def network(*, side: int = 28, filters: int = 8, classes: int = 10, seed: int = 0) -> list:
    """The notes' three layers for ``side`` x ``side`` images: ``[Conv3x3, MaxPool2, Softmax]``.

    >>> [type(layer).__name__ for layer in network(side=8)]
    ['Conv3x3', 'MaxPool2', 'Softmax']
    """
    pooled = (side - 2) // 2
    return [Conv3x3(filters, seed), MaxPool2(), Softmax(pooled * pooled * filters, classes, seed)]


def predict(net, image):
    """The probabilities the network gives ``image``."""
    out = image
    for layer in net:
        out = layer.forward(out)
    return out


def logits(net, image):
    """The totals the Softmax layer turns into probabilities (read from its last forward)."""
    predict(net, image)
    soft = net[-1]
    return soft.last_input @ soft.weights + soft.biases


def accuracy(net, images, labels) -> float:
    """The share of images whose most probable class is their label."""
    return float(np.mean([int(np.argmax(predict(net, x))) == y for x, y in zip(images, labels)]))


def as_layers(net) -> list:
    """``[Conv3x3, MaxPool2, Softmax]`` as layers for ``checker.check_network`` (backprop's update reveals the
    weight gradients)."""
    conv, pool, soft = net
    return [class_layer(conv, params=("filters",), name="Conv3x3"), class_layer(pool, name="MaxPool2"),
            class_layer(soft, params=("weights", "biases"), name="Softmax")]


def sgd_step(net, image, label: int, learn_rate: float) -> float:
    """One step of the notes' training on one image: forward, loss ``-ln p[label]``, backprop (which updates)."""
    p = predict(net, image)
    grad = np.zeros_like(p)
    grad[label] = -1.0 / p[label]  # dL/dp of -ln p[label]
    for layer in reversed(net):
        grad = layer.backprop(grad, learn_rate) if not isinstance(layer, MaxPool2) else layer.backprop(grad)
    return float(-np.log(p[label]))


def mean_loss(net, images, labels) -> float:
    """The average ``-ln p[label]`` over a data set."""
    return float(np.mean([-np.log(predict(net, x)[y]) for x, y in zip(images, labels)]))


def train(net, images, labels, *, learn_rate: float = 0.005, epochs: int = 1, progress=None) -> list[float]:
    """SGD over the data ``epochs`` times, in order; the loss of each step. ``progress(done, total)`` ticks."""
    losses, total = [], epochs * len(images)
    for _ in range(epochs):
        for x, y in zip(images, labels):
            losses.append(sgd_step(net, x, int(y), learn_rate))
            if progress is not None:
                progress(len(losses), total)
    return losses


def load_digits():
    """scikit-learn's 8x8 digits (1797 images, 0..16) scaled to [-0.5, 0.5] as the notes scale MNIST, and labels.

    An optional extra: ``pip install 'gradproof[digits]'``; without it a GradproofError says so.
    """
    try:
        from sklearn.datasets import load_digits as _load  # optional, and slow to import: only when asked
    except ImportError:
        raise GradproofError("the digits data set needs scikit-learn: pip install 'gradproof[digits]'") from None
    data = _load()
    return data.images / 16.0 - 0.5, data.target.astype(int)
