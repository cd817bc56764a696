"""Interfaces: references have the documented shapes; templates and specs agree; bad names are refused."""
import numpy as np
import pytest

from grading.interfaces import FD_CONV, FD_POOL, INTERFACES, get_interface
from grading.spec import ROLES


@pytest.mark.parametrize("name", sorted(INTERFACES))
def test_every_function_has_a_reference_a_template_signature_and_a_role(name):
    iface = get_interface(name)
    for f in iface.functions:
        assert f.signature and f.doc and f.role in ROLES and ROLES[f.role].family == f.family
        cases = f.battery(0)
        assert len(cases) >= 9
        inputs = f.inputs(cases[1], 0)
        refs = f.reference(cases[1], inputs)
        assert len(refs) == len(f.parts) and all(np.isfinite(r).all() for r in refs)
        if f.forward:
            assert cases[-1] in (FD_CONV, FD_POOL) and len(f.wrt) == len(f.parts)
            iface.function(f.forward)  # the forward it is judged against exists


def test_cs231n_backward_gets_the_students_cache():
    call = get_interface("cs231n").function("conv_backward_naive").call(FD_CONV)
    assert call["cache_from"] == "conv_forward_naive" and call["args"] == [{"a": "dout"}]
    assert call["fallback"][3] == {"v": {"stride": 2, "pad": 1}}


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="interface"):
        get_interface("keras")
    with pytest.raises(ValueError, match="function"):
        get_interface("native").function("conv_forward_naive")
