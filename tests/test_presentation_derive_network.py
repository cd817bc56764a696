"""The whole network's views (presentation/derive_network.py, network_docs.py) and the softmax lines, rendered
into a plain console or a document and compared with numbers taken from the derivation itself."""
import io
import json
import re

import pytest
import sympy
from rich.cells import cell_len
from rich.console import Console

from derivations import derive_dense, derive_flatten, derive_network, derive_softmax_ce
from presentation.derive import render_derivation
from presentation.i18n import EN, ZH
from test_presentation_derive import _display_env  # noqa: F401  (autouse: no GRADPROOF_LANG, COLUMNS leak in)
from test_presentation_derive import text_of as seed_text_of


def text_of(d, width=120, lang="en") -> str:
    return seed_text_of(d, width=width, lang=lang)


@pytest.fixture(scope="module")
def net():
    return derive_network()  # 6x6, 2 filters, 3 classes: about 10 s


def _steps(d):
    return {st.key: st.data for st in d.steps}


def test_network_text_has_shapes_untrained_loss_backward_table_and_rules(net):
    out = text_of(net)
    # 6x6 -> conv 3x3 with 2 filters: 2*9 + 2 = 20; 2x2x2 = 8 flat -> 3 classes: 8*3 + 3 = 27
    assert re.search(r"conv\s+4x4x2\s+20", out) and re.search(r"dense\s+3\s+27", out) and re.search(r"total\s+47", out)
    words = " ".join(out.split())  # sentences wrap at the console's width
    assert "L = ln 3 = 1.0986" in words  # equal logits: p = 1/3 each
    loss = -sympy.log(_steps(net)["network.forward"]["values"]["p"][0])
    assert f"At this point L = {float(loss):.4f}." in words
    rows = re.findall(r"^\s+(dz|w2|b2|df|dP|dZ|w1|b1|x)\s+(softmax|dense|flatten|pool|conv)\s", out, re.M)
    assert rows == [("dz", "softmax"), ("w2", "dense"), ("b2", "dense"), ("df", "dense"), ("dP", "flatten"),
                    ("dZ", "pool"), ("w1", "conv"), ("b1", "conv"), ("x", "conv")]
    b1 = _steps(net)["network.backward"]["values"]["b1"]
    assert re.search(rf"b1\s+conv\s+dL/db1 = dZ summed\s+2: {float(b1[0]):.4g}, {float(b1[1]):.4g}", out)
    for r in net.rules:
        assert re.search(rf"✓ proved\s+{r.name}\b", out), r.name
    for r in net.pitfalls:
        assert re.search(rf"✗ rejected\s+{r.name}\b", out), r.name


def test_a_refuted_chain_names_its_first_wrong_entry_with_both_numbers_at_the_point(net):
    out = text_of(net, width=140)
    fwd, back = _steps(net)["network.forward"]["values"], _steps(net)["network.backward"]["values"]
    # dL/dw2[0, 0] = f[0] * dz[0]; without the -1 at the label the chain gives f[0] * p[0] instead
    exact, wrong = float(back["w2"][0, 0]), float(fwd["flatten"][0] * fwd["p"][0])
    assert f"first wrong entry ∂L/∂w2_0_0: exact {exact:.6g}, this chain gives {wrong:.6g} at the point" in " ".join(
        out.split())


def test_network_in_chinese_fits_eighty_columns(net):
    out = text_of(net, width=80, lang="zh")
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    words = "".join(out.split())  # Chinese wraps between any two characters
    assert "逐层反向传播" in words and "L=ln3=1.0986" in words and "形状与参数" in words


def test_network_markdown_latex_and_json(net):
    md = render_derivation(net, fmt="markdown", console=Console(file=io.StringIO()))
    assert "| gradient | layer | formula | value at the point |" in md
    assert len(re.findall(r"^\| `(dz|w2|b2|df|dP|dZ|w1|b1|x)` \|", md, re.M)) == 9
    assert "| -3/4 | 1 | 0 | -1 | 3/4 | -1/4 |" in md  # the point's first row of x, exact
    tex = render_derivation(net, fmt="latex", console=Console(file=io.StringIO()))
    for env in ("document", "longtable", "itemize", "enumerate", "bmatrix"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") > 0, env
    data = json.loads(render_derivation(net, fmt="json", console=Console(file=io.StringIO())))
    steps = {s["key"]: s["data"] for s in data["steps"]}
    assert list(steps) == [st.key for st in net.steps]
    assert sympy.sympify(steps["network.untrained"]["loss"]) == sympy.log(3)
    dz = [sympy.sympify(e) for e in steps["network.backward"]["values"]["dz"]["entries"]]
    assert dz == list(_steps(net)["network.backward"]["values"]["dz"])
    assert steps["network.layers"] == {"conv": "conv2d", "pool": "max-pool", "flatten": "flatten", "dense": "dense",
                                       "softmax": "softmax-ce"}


def test_softmax_text_shows_the_untrained_loss_the_values_and_its_own_loss():
    out = " ".join(text_of(derive_softmax_ce(3, label=1, values=[1, 2, 0])).split())
    assert "Equal logits: p = 1/3 each, L = ln 3 = 1.0986" in out
    p = [sympy.exp(v) / sum(sympy.exp(u) for u in (1, 2, 0)) for v in (1, 2, 0)]
    assert f"L = {float(-sympy.log(p[1])):.4f}, dL/dz = [{float(p[0]):.4g}, {float(p[1] - 1):.4g}, {float(p[2]):.4g}]" in out
    assert "Backward: ∂L/∂z of the loss L = -ln p[1]" in out
    assert "Σ dout·p" not in out and "padding (0)" not in out  # the conv wording would be false here


def test_every_new_step_rule_and_pitfall_is_told_in_both_languages(net):
    ds = [derive_dense(3, 3, batch=2), derive_flatten((2, 2, 2)), derive_softmax_ce(3, values=[0, 1, 2]), net]
    keys = {st.key for d in ds for st in d.steps}
    keys |= {f"rule.note.{r.name}" for d in ds for r in (*d.rules, *d.pitfalls)}
    keys |= {f"net.formula.{name}" for name, _, _ in _steps(net)["network.backward"]["order"]}
    assert keys <= set(EN) & set(ZH), sorted(keys - (set(EN) & set(ZH)))


@pytest.mark.parametrize("d", [derive_dense(2, 2), derive_flatten((2, 3))], ids=["dense", "flatten"])
def test_dense_and_flatten_render_in_every_format(d):
    out = text_of(d)
    assert "How it is derived" in out and "✓ proved" in out
    md = render_derivation(d, fmt="markdown", console=Console(file=io.StringIO()))
    assert EN[d.steps[0].key] in md
    data = json.loads(render_derivation(d, fmt="json", console=Console(file=io.StringIO())))
    assert [s["key"] for s in data["steps"]] == [st.key for st in d.steps]
