"""The canonical-order shortcuts build exactly the objects SymPy's own constructors build."""
import sympy
from hypothesis import given
from hypothesis import strategies as st

from derivations._symops import full_xcorr, prod, total

names = st.sampled_from(["A11", "K23", "G_10_2", "x_0_1_2_3", "w_1_0_2_2", "dout_0_0_1_1", "b", "B12", "A_10_11", "K9",
                         "a", "Z", "_t", "G12"])


@given(names, names)
def test_prod_is_sympy_mul(a, b):
    x, y = sympy.Symbol(a, real=True), sympy.Symbol(b, real=True)
    assert prod(x, y) == sympy.Mul(x, y) and prod(x, y).args == sympy.Mul(x, y).args


@given(st.lists(st.tuples(names, names), max_size=12))
def test_total_is_sympy_add(pairs):
    terms = [prod(sympy.Symbol(a, real=True), sympy.Symbol(b, real=True)) for a, b in pairs]
    fast, slow = total(terms), sympy.Add(*terms)
    assert fast == slow and fast.args == slow.args and sympy.expand(fast - slow) == 0


def test_full_xcorr_shape():
    g = [[sympy.Symbol("g")]]
    assert len(full_xcorr(g, [[1, 2], [3, 4]])) == 2
