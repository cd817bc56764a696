"""Shape arithmetic against the seed's Keras and LeNet numbers."""
import pytest

from derivations import conv_params, out_size, summarize

MNIST = [("conv", 32, 3), ("maxpool", 2), ("conv", 64, 3), ("maxpool", 2), ("conv", 64, 3), ("flatten",),
         ("dense", 64), ("dense", 10)]


def test_keras_mnist_summary():
    s = summarize((28, 28, 1), MNIST)
    assert [l.output for l in s] == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,),
                                     (64,), (10,)]
    assert [l.params for l in s if l.params] == [320, 18496, 36928, 36928, 650]
    assert sum(l.params for l in s) == 93322


def test_lenet_c1_and_c3_partial_connection_table():
    assert conv_params((5, 5), 1, 6) == 156
    c3 = conv_params((5, 5), 3, 6) + conv_params((5, 5), 4, 9) + conv_params((5, 5), 6, 1)
    assert c3 == 1516


def test_output_size_formula_and_numpy_cnn_shapes():
    assert out_size(28, 3) == 26 and out_size(26, 2, stride=2) == 13  # 28x28 -> 26x26x8 -> 13x13x8
    assert out_size(5, 3, pad=1) == 5  # "same"
    assert out_size(7, 3, stride=2) == (7 - 3 + 0) // 2 + 1


def test_unknown_layer_kind():
    with pytest.raises(ValueError, match="unknown layer kind 'conv3d'"):
        summarize((8, 8, 1), [("conv3d", 2, 3)])
