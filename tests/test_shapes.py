"""Shape arithmetic against the seed's Keras and LeNet numbers, and against an independent count."""
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import conv_params, out_size, summarize
from derivations._validate import GradproofError
from derivations.shapes import LENET5_C3_TABLE, table_params

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


def test_lenet5_summary_with_c3s_connection_table():
    s = summarize((32, 32, 1), [("conv", 6, 5), ("meanpool", 2), ("conv_table", LENET5_C3_TABLE, 5)])
    assert [(l.kind, l.output, l.params) for l in s] == [("conv", (28, 28, 6), 156), ("meanpool", (14, 14, 6), 0),
                                                         ("conv_table", (10, 10, 16), 1516)]
    sizes = sorted(len(maps) for maps in LENET5_C3_TABLE)
    assert sizes == [3] * 6 + [4] * 9 + [6]  # the notes' (5*5*3+1)*6 + (5*5*4+1)*9 + (5*5*6+1)*1
    assert table_params((5, 5), LENET5_C3_TABLE) == 1516


def test_course_notes_numpy_cnn_shapes():
    s = summarize((28, 28, 1), [("conv", 8, 3), ("maxpool", 2), ("flatten",), ("dense", 10)])
    assert [l.output for l in s] == [(26, 26, 8), (13, 13, 8), (1352,), (10,)]  # Softmax(13*13*8, 10)
    assert s[-1].params == 13 * 13 * 8 * 10 + 10


def test_a_stride_alone_means_no_padding():
    assert summarize((28, 28, 1), [("conv", 8, 3, 2)])[0].output == (13, 13, 8)  # was 14x14 (pad 1 slipped in)
    assert summarize((28, 28, 1), [("conv", 8, 3, 2, 1)])[0].output == (14, 14, 8)
    assert summarize((7, 9, 2), [("conv", 4, (3, 1), (2, 1))])[0] == ((("conv", (3, 9, 4), (3 * 1 * 2 + 1) * 4)))


def test_output_size_formula_and_numpy_cnn_shapes():
    assert out_size(28, 3) == 26 and out_size(26, 2, stride=2) == 13  # 28x28 -> 26x26x8 -> 13x13x8
    assert out_size(5, 3, pad=1) == 5  # "same"
    assert out_size(7, 3, stride=2) == (7 - 3 + 0) // 2 + 1


def test_unknown_layer_kind():
    with pytest.raises(ValueError, match="unknown layer kind 'conv3d'"):
        summarize((8, 8, 1), [("conv3d", 2, 3)])


@pytest.mark.parametrize("layers, word", [
    ([("conv", 2)], "arguments"), ([("conv", 2, 3, 1, 0, True, 9)], "arguments"), ([("conv", 2, 3, 1, 0, 9)], "bias"), ([("conv", 0, 3)], "filters"),
    ([("conv", 2, 9)], "does not fit"), ([("maxpool", 2, 0)], "stride"), ([("flatten",), ("conv", 2, 3)], "after"),
    ([("conv_table", ((0,), (1,)), 3)], "table row 1"), ([("conv_table", ((),), 3)], "table row 0"),
    ([("conv_table", 5, 3)], "table"), ([("dense", -1)], "units"), (["flatten"], "must be a tuple"),
])
def test_mistakes_raise_gradprooferror_naming_the_layer(layers, word):
    with pytest.raises(GradproofError, match=word):
        summarize((8, 8, 1), layers)


# --- an independent count: positions and parameters by enumerating index sets, not by the formula ----------

def positions(n, k, s, p):
    """How many windows of k cells, moved by s, fit in n cells padded by p on each side."""
    return len([i for i in range(n + 2 * p + 1) if i * s + k <= n + 2 * p])


def count(*ranges):
    return len(list(itertools.product(*[range(r) if isinstance(r, int) else r for r in ranges])))


def independent(input_hwc, layers):
    """(output, params) per layer, or None from the first layer that does not fit."""
    shape, out = input_hwc, []
    for layer in layers:
        kind, args = layer[0], layer[1:]
        if kind in ("conv", "conv_table"):
            bias = args[4] if len(args) > 4 else True
            args = (*args, 1, 0)[:4] if len(args) == 2 else (*args, 0)[:4]  # stride 1 and pad 0 unless given
            (kh, kw), s, p = args[1], args[2], args[3]
            h, w = positions(shape[0], kh, s, p), positions(shape[1], kw, s, p)
            if kind == "conv":
                f, params = args[0], count(args[0], shape[2], kh, kw) + args[0] * bias
            else:
                f, params = len(args[0]), sum(count(maps, kh, kw) + bias for maps in args[0])
            shape = (h, w, f)
        elif kind in ("maxpool", "subsample"):
            k, s = (*args, args[0])[:2]  # the stride is the window unless given
            params = count(shape[2], ("coefficient", "bias")) if kind == "subsample" else 0
            shape = (positions(shape[0], k, s, 0), positions(shape[1], k, s, 0), shape[2])
        elif kind == "flatten":
            shape, params = (count(*shape),), 0
        elif kind == "rbf":  # one centre per unit, no bias
            shape, params = (*shape[:-1], args[0]), count(shape[-1], args[0])
        else:
            shape, params = (*shape[:-1], args[0]), count(shape[-1], args[0]) + args[0]
        if min(shape) < 1:
            return None
        out.append((shape, params))
    return out


@st.composite
def models(draw):
    hwc = (draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 4)))
    layers, flat = [], False
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["dense", "rbf", "flatten"] if flat else
                                    ["conv", "conv_table", "maxpool", "subsample", "flatten", "dense", "rbf"]))
        given = draw(st.integers(0, 3))  # how many of the trailing stride, pad, bias are written out
        if kind == "conv":
            layers.append(("conv", draw(st.integers(1, 5)), (draw(st.integers(1, 5)), draw(st.integers(1, 5))),
                           draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.booleans()))[:3 + given])
        elif kind == "conv_table":
            c = hwc[2] if not layers else None  # a table needs the input's channel count: only as the first layer
            if c is None:
                continue
            table = draw(st.lists(st.lists(st.integers(0, c - 1), min_size=1, max_size=c, unique=True).map(tuple),
                                  min_size=1, max_size=4))
            k = draw(st.integers(1, 4))
            layers.append(("conv_table", tuple(table), (k, k), draw(st.integers(1, 2)), draw(st.integers(0, 1)),
                           draw(st.booleans()))[:3 + given])
        elif kind in ("maxpool", "subsample"):
            layers.append((kind, draw(st.integers(1, 3)), draw(st.integers(1, 3)))[:2 + min(given, 1)])
        elif kind == "flatten":
            layers.append(("flatten",))
            flat = True
        else:
            layers.append((kind, draw(st.integers(1, 6))))
    return hwc, layers


@settings(max_examples=200)
@given(models())
def test_summarize_agrees_with_an_independent_count(model):
    hwc, layers = model
    want = independent(hwc, layers)
    if want is None:
        with pytest.raises(GradproofError, match="does not fit"):
            summarize(hwc, layers)
        return
    got = summarize(hwc, layers)
    assert [(l.output, l.params) for l in got] == want
