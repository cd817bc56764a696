"""One row per student function: every fact keyed by its name is in its FunctionSpec, and agrees."""
import pytest

from grading.interfaces import INTERFACES, spec_named
from grading.spec import ROLES, FunctionSpec

SPECS = [f for i in INTERFACES.values() for f in i.functions]


def test_every_function_is_found_by_its_name_and_has_one_role_signature_and_split():
    assert len({f.name for f in SPECS}) == len(SPECS)
    for f in SPECS:
        assert spec_named(f.name) is f and f.role in ROLES and f.signature
        assert f.family == ROLES[f.role].family
        assert not f.split or len(f.split) == len(f.parts)
    assert spec_named("conv_backward_naive").split == spec_named("conv_backward").split == (5.0, 3.0, 2.0)
    assert spec_named("keras_conv") is None


def test_a_row_without_a_role_or_signature_is_refused():
    args = ("f", ("out",), 1, None, None, None)
    with pytest.raises(AssertionError, match="role"):
        FunctionSpec(*args, signature="x")
    with pytest.raises(AssertionError, match="signature"):
        FunctionSpec(*args, role="rot180")
    FunctionSpec(*args, signature="k", role="rot180")
