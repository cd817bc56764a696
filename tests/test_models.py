"""The model description format: parsing, mistakes naming layer and token, the notes' numbers, round trips."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations._validate import GradproofError
from derivations.models import BUILTIN, Model, load, parse, summary, write
from derivations.shapes import LENET5_C3_TABLE


def test_parse_writes_every_default_out():
    m = parse("input 28x28x1, conv 8 3x3 stride 2 pad 1, maxpool 2, meanpool 3x2 stride 1, flatten, dense 10")
    assert m.input_hwc == (28, 28, 1)
    assert m.layers == (("conv", 8, (3, 3), (2, 2), (1, 1), True), ("maxpool", (2, 2), (2, 2)),
                        ("meanpool", (3, 2), (1, 1)), ("flatten",), ("dense", 10))
    assert m.names == (None,) * 5


def test_a_file_has_one_layer_per_line_and_comments(tmp_path):
    f = tmp_path / "net.txt"
    f.write_text("# the notes' numpy CNN\ninput 28x28   # one channel unless given\n\nconv 8 3x3 nobias as C\n"
                 "MaxPool 2\nflatten\ndense 10 as softmax\n", encoding="utf-8")
    m = load(str(f))
    assert m == parse(BUILTIN["notes-cnn"])._replace(names=("C", None, None, "softmax"))


def test_keras_model_of_the_notes():
    s = summary(load("keras"))
    assert [r.params for r in s.rows] == [320, 0, 18496, 0, 36928, 0, 36928, 650]  # the notes' summary column
    assert [r.output for r in s.rows][-4:] == [(3, 3, 64), (576,), (64,), (10,)]
    assert [r.name for r in s.rows][:3] == ["conv", "maxpool", "conv_1"]  # named as Keras names them
    assert s.total == 93322


def test_lenet5_counts_of_the_notes_and_the_paper():
    s = summary(load("lenet5"))
    by = {r.name: r for r in s.rows}
    assert (by["C1"].params, by["S2"].params, by["C3"].params) == (156, 12, 1516)  # the notes' three counts
    assert by["C3"].output == (10, 10, 16)  # the notes: 5x5 kernels take 14x14 maps to 10x10
    assert load("lenet5").layers[2][1] == LENET5_C3_TABLE
    assert (by["S4"].params, by["C5"].params, by["F6"].params, by["output"].params) == (32, 48120, 10164, 840)
    # LeCun et al. (1998): "60,000 trainable free parameters"; the output's RBF centres are fixed by hand
    assert s.total - by["output"].params == 60000


def test_notes_cnn_computed_from_its_layers():
    s = summary(load("notes-cnn"))
    assert [r.output for r in s.rows] == [(26, 26, 8), (13, 13, 8), (13 * 13 * 8,), (10,)]
    assert [r.params for r in s.rows] == [3 * 3 * 8, 0, 0, 13 * 13 * 8 * 10 + 10]  # Conv3x3 has no bias
    assert s.total == 13602


def test_a_table_written_as_rows():
    m = parse("input 14x14x6, conv_table 0.1.2/3.4.5 5x5")
    assert m.layers[0][1] == ((0, 1, 2), (3, 4, 5)) and summary(m).total == 2 * (5 * 5 * 3 + 1)


@pytest.mark.parametrize("spec, needle", [
    ("conv 8 3x3", "must start with 'input HxWxC'"),
    ("", "got nothing"),
    ("input 28x28x1x1, flatten", "'28x28x1x1'"),
    ("input 28x28x1 3, flatten", "'input 28x28x1 3'"),
    ("input 8x8, conv 8 3y3", "layer 1 (conv): kernel must be a whole number or a pair such as 3x3, each >= 1; got '3y3'"),
    ("input 8x8, conv eight 3x3", "layer 1 (conv): filters must be a whole number, each >= 1; got 'eight'"),
    ("input 8x8, conv 8", "layer 1 (conv) takes 2 argument(s), got 1: '8'"),
    ("input 8x8, conv 8 3x3 strid 2", "layer 1 (conv): unexpected word 'strid'"),
    ("input 8x8, conv 8 3x3 stride 2 stride 1", "layer 1 (conv): repeated word 'stride'"),
    ("input 8x8, conv 8 3x3 stride", "layer 1 (conv): 'stride' needs a value"),
    ("input 8x8, conv 8 3x3 pad -1", "layer 1 (conv): pad must be a whole number or a pair such as 3x3, each >= 0; got '-1'"),
    ("input 8x8, flatten, maxpool 2 pad 1", "layer 2 (maxpool): unexpected word 'pad'"),
    ("input 8x8, flatten 3", "layer 1 (flatten): unexpected word '3'"),
    ("input 8x8, dense 0", "layer 1 (dense): units must be a whole number, each >= 1; got '0'"),
    ("input 8x8, conv3d 2 3", "layer 1 (conv3d): unknown layer kind 'conv3d'"),
    ("input 8x8, input 8x8", "layer 1 (input): unknown layer kind 'input'; expected"),
    ("input 8x8x6, conv_table lenet6 3x3", "layer 1 (conv_table): table must be lenet5-c3 or rows"),
    ("input 8x8x2, conv_table 0.1/2 3x3", "layer 1 (conv_table): table row 1 must name distinct input maps 0..1"),
    ("input 8x8, conv 2 3x3, conv 2 9x9", "layer 2 (conv): window 9x9 does not fit the 6x6 input"),
    ("input 8x8, flatten, conv 2 3x3", "layer 2 (conv) needs an (H, W, C) input"),
    ("input 8x8, dense 3 as", "layer 1 (dense): unexpected word 'as'"),
    ("input 8x8, dense 3, as C1", "layer 2: a name ('C1') but no layer before 'as', got 'as C1'"),
])
def test_every_mistake_names_the_layer_and_the_token(spec, needle):
    with pytest.raises(GradproofError) as e:
        summary(parse(spec))
    assert needle in str(e.value)


def test_a_mistake_in_a_file_names_its_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("input 8x8\n# a comment\nconv 2 3x3\nmaxpool two\n", encoding="utf-8")
    with pytest.raises(GradproofError, match=r"bad.txt line 4, layer 2 \(maxpool\): window .* got 'two'"):
        load(str(f))


@pytest.mark.parametrize("name", ["kerass", "lenet", "no/such/file.txt"])
def test_an_unknown_model_lists_the_built_in_ones(name):
    with pytest.raises(GradproofError, match=f"{name!r} is neither a built-in model \\(keras, notes-cnn, lenet5\\)"):
        load(name)


# --- a model written out and parsed back gives the same summary -------------------------------------------

pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))
names = st.none() | st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True)


@st.composite
def models(draw):
    hwc = (draw(st.integers(4, 16)), draw(st.integers(4, 16)), draw(st.integers(1, 4)))
    layers, flat = [], False
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["dense", "rbf", "flatten"] if flat else
                                    ["conv", "conv_table", "maxpool", "meanpool", "subsample", "flatten", "dense"]))
        if kind == "conv":
            layers.append(("conv", draw(st.integers(1, 4)), draw(pairs), draw(pairs),
                           (draw(st.integers(0, 2)), draw(st.integers(0, 2))), draw(st.booleans())))
        elif kind == "conv_table":
            table = draw(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True).map(tuple),
                                  min_size=1, max_size=4).map(tuple))
            layers.append(("conv_table", table, draw(pairs), draw(pairs), (0, 0), draw(st.booleans())))
        elif kind in ("maxpool", "meanpool", "subsample"):
            layers.append((kind, draw(pairs), draw(pairs)))
        elif kind == "flatten":
            layers.append(("flatten",))
            flat = True
        else:
            layers.append((kind, draw(st.integers(1, 6))))
    return Model(hwc, tuple(layers), tuple(draw(names) for _ in layers))


@settings(max_examples=150)
@given(models())
def test_a_model_written_out_and_parsed_back_gives_the_same_summary(m):
    back = parse(write(m))
    assert back == m
    try:
        want = summary(m)
    except GradproofError as e:  # a drawn model that does not fit (or a table naming a missing map) fails alike
        with pytest.raises(GradproofError) as again:
            summary(back)
        assert str(again.value) == str(e)
        return
    assert summary(back) == want
    assert parse(write(m).replace("\n", ", ")) == m  # the command line's comma-separated form reads the same


WORDS = ["input", "conv", "conv_table", "maxpool", "meanpool", "subsample", "flatten", "dense", "rbf", "stride",
         "pad", "nobias", "as", "lenet5-c3", "0.1/1.2", "0..1", "3x3", "2", "0", "-1", "x", "28x28x1", "1x1x1x1",
         ",", "\n", "#", "9" * 30]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=12).map(" ".join))
def test_any_text_is_read_or_refused_as_a_mistake_never_a_crash(spec):
    try:
        summary(parse("input 6x6x2, " + spec))
        summary(parse(spec))
    except GradproofError:  # the one type a user's mistake raises: the command line reports it in one line
        pass
