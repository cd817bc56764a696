"""A derive command as one typed request: options an op does not read are refused by name, defaults filled."""
import pytest

from derivations._validate import GradproofError
from presentation.derive_request import DERIVE_OPS, DERIVE_OPTIONS, DeriveRequest, derive, refuse_costly, request


def test_every_op_reads_only_fields_of_the_request():
    assert set(DERIVE_OPTIONS) == set(DERIVE_OPS)
    for op, names in DERIVE_OPTIONS.items():
        assert names <= set(DeriveRequest._fields[1:]), op


@pytest.mark.parametrize("op, given, field, value", [
    ("deltas", {}, "input", (6, 6)),  # the conv output must tile by the pooling scale
    ("relu", {}, "input", (2, 3)),
    ("conv", {}, "input", (5, 5)),
    ("conv", {"stride": 2}, "stride", 2),
    ("mean-pool", {}, "stride", None),  # None: pooling's stride is its window
])
def test_defaults_are_filled_per_op(op, given, field, value):
    assert getattr(request(op, given), field) == value


def test_an_option_the_op_does_not_read_is_refused_by_name():
    with pytest.raises(GradproofError, match=r"^--window does not apply to derive conv \(it reads --dilation, "):
        request("conv", {"input": (5, 5), "window": (2,)})
    assert request("conv", {"window": None}).window == (2,)  # left out is not given


def test_too_costly_is_refused_and_a_small_request_derives():
    # the cost model's own error type is derivations' (tests/test_cli.py holds it to exit code 2)
    with pytest.raises(ValueError, match="largest square input that fits is 104x104"):
        refuse_costly(request("conv", {"input": (128, 128), "kernel": (5, 5)}))
    d = derive(request("max-pool", {"input": (2, 2), "values": ["1", "3", "3", "2"]}))
    assert [[str(e) for e in row] for row in d.grads["A"].tolist()] == [["0", "G11"], ["0", "0"]]  # first of the 3s


def test_deltas_take_one_scale():
    with pytest.raises(GradproofError, match="--window for deltas is one scale s"):
        derive(request("deltas", {"window": (2, 3)}))
