"""The layer-by-layer check of a whole network: the course notes' CNN right, and six classic mistakes named
at their layer."""
from __future__ import annotations

import numpy as np
import pytest

from checker import cnn
from checker.layerwise import Layer, check_network, class_layer, cross_entropy, cs231n_layer, sum_loss
from checker.ops import conv2d_backward, conv2d_forward
from derivations._validate import GradproofError

def _net(conv=None, pool=None, soft=None, *, size=10, filters=3, classes=5):
    """The notes' three layers at a small size (10x10 -> 8x8x3 -> 4x4x3 -> 5), as checker layers."""
    conv = conv or cnn.Conv3x3(filters)
    pool = pool or cnn.MaxPool2()
    soft = soft or cnn.Softmax((size - 2) // 2 * ((size - 2) // 2) * filters, classes)
    return cnn.as_layers((conv, pool, soft)), (conv, pool, soft)


def _image(size=10, dtype=np.float64, seed=1):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (size, size)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_notes_cnn_passes_every_layer_and_end_to_end(dtype):
    layers, objs = _net()
    before = [o.__dict__.get(a).copy() for o, a in ((objs[0], "filters"), (objs[2], "weights"))]
    r = check_network(layers, _image(dtype=dtype), cross_entropy(2))
    assert [v.name for v in r.layers] == ["Conv3x3", "MaxPool2", "Softmax"]
    assert all(v.ok for v in r.layers), [v.result.summary() for v in r.layers if v.result and not v.ok]
    assert r.first_wrong is None and r.end_to_end.ok and r.ok
    assert [a.name for a in r.end_to_end.args] == ["input", "Conv3x3.filters", "Softmax.weights", "Softmax.biases"]
    # checking never trains: the weights are where they were
    assert np.array_equal(objs[0].filters, before[0]) and np.array_equal(objs[2].weights, before[1])


class SoftmaxWithoutMinusOne(cnn.Softmax):
    """The fused softmax + cross-entropy delta: p where p - onehot(label) belongs."""

    def backprop(self, d_L_d_out, learn_rate):
        d_t = self.last_p.copy()  # correct: d_t[label] -= 1, label = the one nonzero entry of d_L_d_out
        dx = (self.weights @ d_t).reshape(self.last_input_shape)
        self.weights = self.weights - learn_rate * np.outer(self.last_input, d_t)
        self.biases = self.biases - learn_rate * d_t
        return dx


class PoolToEveryCell(cnn.MaxPool2):
    """Max-pool backward that sends each window's gradient to all four cells."""

    def backprop(self, d_L_d_out):
        h, w, c = self.last_input.shape
        d = np.zeros(self.last_input.shape)
        d[:h // 2 * 2, :w // 2 * 2] = np.repeat(np.repeat(d_L_d_out, 2, axis=0), 2, axis=1)
        return d


class ConvDwNotSummed(cnn.Conv3x3):
    """Conv dW from the last output position only (assignment where the sum over positions belongs)."""

    def backprop(self, d_L_d_out, learn_rate):
        windows = np.lib.stride_tricks.sliding_window_view(self.last_input, (3, 3))
        saved = self.filters.copy()
        dx = super().backprop(d_L_d_out, learn_rate)
        self.filters = saved - learn_rate * np.einsum("f,kl->fkl", d_L_d_out[-1, -1], windows[-1, -1])
        return dx


class DenseDwTransposed(cnn.Softmax):
    """dW as outer(delta, input): (nodes, input_len), the transpose of the weights' shape."""

    def backprop(self, d_L_d_out, learn_rate):
        p = self.last_p
        d_t = p * (d_L_d_out - d_L_d_out @ p)
        dx = (self.weights @ d_t).reshape(self.last_input_shape)
        self.weights = self.weights - learn_rate * np.outer(d_t, self.last_input)  # broadcasting fails
        return dx


class FlattenOrderMismatch(cnn.Softmax):
    """d_L_d_input reshaped in column-major order while forward flattened in row-major order."""

    def backprop(self, d_L_d_out, learn_rate):
        flat = super().backprop(d_L_d_out, learn_rate).ravel()
        return flat.reshape(self.last_input_shape, order="F")


class UpdateBeforeInputGradient(cnn.Softmax):
    """The weights updated before d_L_d_input is computed from them."""

    def backprop(self, d_L_d_out, learn_rate):
        p = self.last_p
        d_t = p * (d_L_d_out - d_L_d_out @ p)
        self.weights = self.weights - learn_rate * np.outer(self.last_input, d_t)
        self.biases = self.biases - learn_rate * d_t
        return (self.weights @ d_t).reshape(self.last_input_shape)


MISTAKES = {
    "softmax delta without -1": (dict(soft=SoftmaxWithoutMinusOne(48, 5)), "Softmax"),
    "max-pool to every cell": (dict(pool=PoolToEveryCell()), "MaxPool2"),
    "conv dw not summed": (dict(conv=ConvDwNotSummed(3)), "Conv3x3"),
    "dense dW transposed": (dict(soft=DenseDwTransposed(48, 5)), "Softmax"),
    "flatten order": (dict(soft=FlattenOrderMismatch(48, 5)), "Softmax"),
    "update before dx": (dict(soft=UpdateBeforeInputGradient(48, 5)), "Softmax"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_planted_mistake_is_named_at_its_layer(mistake):
    swap, wrong = MISTAKES[mistake]
    layers, _ = _net(**swap)
    r = check_network(layers, _image(), cross_entropy(2))
    assert r.first_wrong == wrong and not r.ok
    assert [v.name for v in r.layers if not v.ok] == [wrong]  # the correct layers keep their verdict


def test_a_first_layer_without_input_gradient_is_checked_on_its_weights():
    class NoDx(cnn.Conv3x3):
        def backprop(self, d_L_d_out, learn_rate):
            super().backprop(d_L_d_out, learn_rate)

    layers, _ = _net(conv=NoDx(3))
    r = check_network(layers, _image(), cross_entropy(0))
    assert r.ok and not r.layers[0].returns_dx
    assert [a.name for a in r.end_to_end.args][0] == "Conv3x3.filters"


def test_a_crashing_forward_is_reported_not_raised():
    def bad(x, p):
        raise IndexError("off the edge")

    r = check_network([Layer("edge", bad, lambda d, x, p: (d, {}), {})], np.ones(3), sum_loss())
    assert not r.ok and "IndexError: off the edge" in r.error


def test_cs231n_layers_chain_with_class_layers():
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal(2)
    param = {"stride": 1, "pad": 1}

    def fwd(x, w, b, p):
        return conv2d_forward(x, w, b, stride=p["stride"], pad=p["pad"]), (x, w, b, p)

    def bwd(d, cache):
        x, w, b, p = cache
        return conv2d_backward(d, x, w, stride=p["stride"], pad=p["pad"])

    layers = [cs231n_layer(fwd, bwd, params={"w": w, "b": b}, extra=(param,), name="conv")]
    r = check_network(layers, rng.standard_normal((1, 1, 5, 5)), sum_loss())
    assert r.ok, r.layers[0].result.summary()


@pytest.mark.parametrize("bad, message", [
    (dict(params=("nope",)), "params names 'nope'"),
    (dict(learn_rate=0), "learn_rate must be > 0"),
])
def test_bad_adapter_arguments_name_themselves(bad, message):
    with pytest.raises(GradproofError, match=message):
        class_layer(cnn.Conv3x3(2), **bad)


def test_repeated_layer_names_are_numbered_so_a_verdict_names_one_layer():
    double = Layer("double", lambda x, p: 2 * x, lambda d, x, p: (2 * d, {}), {})
    halve = Layer("double", lambda x, p: x / 2, lambda d, x, p: (d, {}), {})  # wrong: d / 2
    r = check_network([double, halve], np.ones(3), sum_loss())
    assert r.first_wrong == "double#2" and [v.ok for v in r.layers] == [True, False]
