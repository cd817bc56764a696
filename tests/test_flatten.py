"""derivations/flatten.py: flatten reads row-major, its backward is the same-order reshape; other orders refuted."""
import numpy as np
import pytest
import sympy

from derivations._validate import GradproofError
from derivations.flatten import derive_flatten, row_major


def position(entry) -> int:
    """The k of a dout_k entry."""
    return int(entry.name.split("_")[1])


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 2), (3, 1, 2)])
def test_backward_is_numpys_reshape_in_the_forwards_order(shape):
    d = derive_flatten(shape)
    assert d.all_hold
    positions = np.arange(int(np.prod(shape))).reshape(shape)  # numpy's own row-major layout, independent of ours
    got = np.array([position(e) for e in sympy.flatten(d.grads["x"].tolist())]).reshape(shape)
    np.testing.assert_array_equal(got, positions)
    flat = [tuple(int(i) for i in e.name.split("_")[1:]) for e in d.forward]
    assert flat == [tuple(int(v) for v in np.unravel_index(k, shape)) for k in range(len(flat))]


def test_the_course_notes_pooled_array_flattens_channels_last():
    # 13x13x8 -> 1352: entry (i, j, c) at (13 i + j) 8 + c, as numpy's flatten of the notes' (h, w, filters) array
    assert row_major((13, 13, 8), (2, 5, 3)) == int(np.ravel_multi_index((2, 5, 3), (13, 13, 8))) == (13 * 2 + 5) * 8 + 3


def test_other_orders_are_refuted_with_the_cell_numpy_gets_wrong():
    d = derive_flatten((2, 3, 2))
    for p in d.pitfalls:
        assert not p.holds
        idx = p.counterexample.index
        assert p.counterexample.expected == d.grads["x"][idx] != p.counterexample.got
    col = next(p for p in d.pitfalls if p.name == "dx_reshape_column_major")
    right = np.arange(12).reshape(2, 3, 2)
    wrong = np.arange(12).reshape((2, 3, 2), order="F")
    first = tuple(int(v) for v in np.argwhere(right != wrong)[0])
    assert col.counterexample.index == first and position(col.counterexample.got) == wrong[first]


def test_a_vector_or_a_single_row_has_one_order_only():
    assert all(p.holds for p in derive_flatten((5,)).pitfalls)
    assert all(p.holds for p in derive_flatten((1, 5)).pitfalls)
    assert not derive_flatten((2, 2)).pitfalls[0].holds


@pytest.mark.parametrize("shape", [(0, 2), (2, -1), 3, (), (64, 65)])
def test_bad_shapes_raise_gradprooferror(shape):
    with pytest.raises(GradproofError, match="input_shape"):
        derive_flatten(shape)
