"""The derive renderer and its exports, on the seed's 5x5 input with a 3x3 kernel and on a hand-made refuted rule."""
import io
import json
import re

import pytest
import sympy
from rich.console import Console

from derivations import Derivation, Mismatch, Rule, derive_conv2d
from presentation.derive import render_derivation


@pytest.fixture(autouse=True)
def _display_env(monkeypatch):
    """The renderers read GRADPROOF_LANG, COLUMNS and the colour variables: none may leak in from the caller."""
    for var in ("GRADPROOF_LANG", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TERM"):
        monkeypatch.delenv(var, raising=False)


def text_of(d, width=80, lang="en") -> str:
    c = Console(file=io.StringIO(), width=width, color_system=None)
    render_derivation(d, console=c, lang=lang)
    return c.file.getvalue()


@pytest.fixture(scope="module")
def seed():
    return derive_conv2d((5, 5), (3, 3))


def handmade(holds: bool) -> Derivation:
    a, k, g = (sympy.Symbol(n, real=True) for n in ("A11", "K11", "G11"))
    arr = lambda *xs: sympy.ImmutableDenseNDimArray(list(xs), (1, 1))
    cx = None if holds else Mismatch("A", (0, 0), g * k, g)
    rule = Rule("dx_demo", "dA = G*K", holds, cx, checked=1)
    return Derivation("demo", {"input_shape": (1, 1)}, {"input": "A", "kernel": "K", "upstream": "G", "output": "B"},
                      {"A": arr(a), "K": arr(k), "G": arr(g), "B": arr(sympy.Symbol("B11"))},
                      arr(a * k), {"A": arr(g * k)}, (rule,))


def test_text_has_seed_sum_association_and_marks(seed):
    out = text_of(seed)
    flat = re.sub(r"\s+", " ", out)
    assert "B₁₁ = A₁₁⋅K₁₁ + A₁₂⋅K₁₂ + A₁₃⋅K₁₃" in flat
    assert re.search(r"A24\s+K23, K22, K13, K12\s+B12, B13, B22, B23", out)
    assert re.search(r"✓ proved\s+dx_full_conv_rot180", out)
    assert re.search(r"✗ rejected\s+dx_unrotated_kernel", out)
    assert "G11*K33" in flat  # the unrotated kernel's first wrong entry


def test_marks_follow_the_rule_not_the_name():
    assert "✓ proved" in text_of(handmade(True)) and "✗" not in text_of(handmade(True))
    out = text_of(handmade(False))
    assert "✗ rejected" in out and "✓" not in out and "∂L/∂A11" in out


def test_sixty_columns_and_chinese(seed):
    out = text_of(seed, width=60, lang="zh")
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "反向传播" in out and "已证明" in out and "卷积核" in out


def test_json_loads_back(seed):
    s = render_derivation(seed, "json", console=Console(file=io.StringIO()))
    data = json.loads(s)
    assert data["op"] == "conv2d" and data["forward"]["shape"] == [3, 3]
    assert sympy.sympify(data["grads"]["A"]["entries"][0]) == sympy.Symbol("G11") * sympy.Symbol("K11")


def test_markdown_is_a_document_with_the_matrices(seed):
    md = render_derivation(seed, "markdown", console=Console(file=io.StringIO()))
    assert md.startswith("# conv2d")
    assert "| A11 | A12 | A13 | A14 | A15 |" in md and "| K31 | K32 | K33 |" in md
    assert "✓ proved **dx_full_conv_rot180**" in md and "✗ rejected **dx_unrotated_kernel**" in md
    assert "$B_{11} = A_{11} K_{11}" in md


def test_latex_is_a_balanced_document(seed):
    tex = render_derivation(seed, "latex", console=Console(file=io.StringIO()))
    assert tex.startswith(r"\documentclass{article}") and r"\begin{document}" in tex
    assert tex.rstrip().endswith(r"\end{document}")
    for env in ("align*", "itemize", "longtable", "tabular"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") > 0
    assert "∂" not in tex and r"\checkmark" in tex and r"\times" in tex
    assert r"\documentclass{ctexart}" in render_derivation(seed, "latex", console=Console(file=io.StringIO()),
                                                           lang="zh")


def test_unknown_format_is_a_value_error(seed):
    with pytest.raises(ValueError, match="fmt must be one of"):
        render_derivation(seed, "html")


# --- through the command line -------------------------------------------------------------------------
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


_DISPLAY_VARS = ("GRADPROOF_LANG", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TERM")


def cli(*args, env=None):
    # language, width and colour come from the arguments under test, not from the developer's environment
    e = {k: v for k, v in os.environ.items() if k not in _DISPLAY_VARS}
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**e, "COLUMNS": "100", **(env or {})})


def test_general_formula_is_shown_and_fits(seed):
    out = text_of(seed, width=60)
    section = out.split("General formula")[1].split("What each input entry")[0]
    # dA, as one line a person writes (index ranges under the Σ) when the 2-D layout is too wide
    assert "G[-m + p, -n + q]·K[m, n]" in section and "Σ_{m = max(0, -H' + p + 1)..min(p, HH - 1)" in section
    assert max(len(line) for line in section.splitlines()) <= 60


def test_strided_padded_general_formula_uses_iverson_brackets_not_raw_sums():
    out = text_of(derive_conv2d((5, 5), (3, 3), stride=2, pad=1), width=200)
    section = out.split("General formula")[1].split("What each input entry")[0]
    assert "Sum(" not in section and "m/2" not in section
    assert "[2 | -m + p + 1]·[2 | -n + q + 1]·G[(-m + p + 1)/2, (-n + q + 1)/2]·K[m, n]" in section
    assert "[s | e] is 1 when the stride s divides e" in section


def test_terms_are_in_natural_order():
    from derivations import derive_pool2d

    out = text_of(derive_pool2d("mean", (1, 12), (1, 12)), width=400)
    line = next(l for l in out.splitlines() if l.startswith("B11 ="))
    names = [t.split("/")[0].strip() for t in line.split("=")[1].split(" + ")]
    assert names == [f"A_1_{j}" for j in range(1, 13)], line


def test_cli_markdown_parses_back_to_the_seed_matrices():
    r = cli("derive", "conv", "--input", "5x5", "--kernel", "3x3", "--format", "markdown")
    assert r.returncode == 0, r.stderr
    tables, cur = [], []
    for line in r.stdout.splitlines() + [""]:
        if line.startswith("|"):
            cur.append([c.strip() for c in line.strip("|").split("|")])
        elif cur:
            tables.append(cur)
            cur = []
    matrices = [t[2:] for t in tables if t[1][0].startswith("---")]
    assert [[f"A{i}{j}" for j in range(1, 6)] for i in range(1, 6)] in matrices
    assert [[f"K{i}{j}" for j in range(1, 4)] for i in range(1, 4)] in matrices


def test_cli_text_in_chinese_and_the_full_mode():
    r = cli("derive", "full-conv", "--input", "3x3", "--kernel", "3x3", "--no-bias", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    assert "反向传播" in r.stdout and "已证明" in r.stdout
    assert re.search(r"output_shape\s+5x5", r.stdout) and re.search(r"mode\s+full", r.stdout)
    assert "B11 = A11⋅K11" in r.stdout or "B₁₁ = A₁₁⋅K₁₁" in r.stdout, r.stdout  # the flipped kernel


def test_cli_json_and_user_errors():
    r = cli("derive", "conv", "--input", "4x4", "--kernel", "2x2", "--format", "json", env={"GRADPROOF_LANG": "zh"})
    assert r.returncode == 0 and json.loads(r.stdout)["params"]["output_shape"] == [3, 3]
    bad = cli("derive", "conv", "--input", "3x3", "--kernel", "5x5")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_jupyter_latex_display(seed):
    tex = seed._repr_latex_()
    assert tex.startswith("$") and tex.endswith("$") and r"\begin{aligned}" in tex
    assert r"\frac{\partial L}{\partial A}" in tex and "A_{11} K_{11}" in tex
    assert tex.count(r"\checkmark") == len(seed.rules) and r"\times" not in tex


def test_cs231n_names_are_never_cut_and_limit_counts_the_rest():
    d = derive_conv2d((1, 2, 4, 4), (2, 2, 3, 3), bias=False)
    out = text_of(d, width=60)
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "w_0_0_0_1*x_0_0_0_1" in out and "dout_0_0_0_0*w_0_0_0_0" in out
    assert "… 20 more" in out  # 32 input entries, 12 shown
    c = Console(file=io.StringIO(), width=60, color_system=None)
    render_derivation(d, console=c, limit=None)
    assert "more" not in c.file.getvalue() and "∂L/∂x_0_1_3_3" in c.file.getvalue()


def test_large_derivations_stay_short():
    d = derive_conv2d((12, 12), (3, 3), bias=False)
    out = text_of(d, width=80)
    assert "A: 12x12, too large for a table" in out and "┌" in out  # K is still a table
    assert "(100 terms in all)" in out  # each dK entry sums over the 10x10 output
    assert len(out.splitlines()) < 200
    c = Console(file=io.StringIO(), width=80, color_system=None)
    render_derivation(d, console=c, limit=None)  # --all: every term of every entry
    assert "terms in all" not in c.file.getvalue()


def test_pooling_derivation_renders_with_window_weights():
    from derivations.pool import derive_pool2d

    d = derive_pool2d("max", (3, 3), 2, stride=1, values=[1, 2, 1, 2, 9, 2, 1, 2, 1])
    out = text_of(d, width=60)
    assert "window weights" in out and "kernel entries" not in out
    assert re.search(r"A22\s+1, 1, 1, 1\s+B11, B12, B21, B22", out)
    assert re.search(r"✗ rejected\s+assign_not_add", out) and "G₁₁ + G₁₂ + G₂₁ + G₂₂" in out
    md = render_derivation(d, "markdown", console=Console(file=io.StringIO()))
    assert "| A22 | 1, 1, 1, 1 | B11, B12, B21, B22 |" in md


def test_four_dimensional_exports_hold_every_slice():
    d = derive_conv2d((1, 2, 3, 3), (1, 2, 2, 2), bias=False)
    md = render_derivation(d, "markdown", console=Console(file=io.StringIO()))
    assert "**x[0,1]**" in md and "| x_0_1_2_0 | x_0_1_2_1 | x_0_1_2_2 |" in md and "**w[0,1]**" in md
    tex = render_derivation(d, "latex", console=Console(file=io.StringIO()))
    assert tex.count(r"\begin{bmatrix}") == 2 + 2 + 1 + 1  # x: 2 slices, w: 2, dout and out: 1 each


def test_jupyter_display_of_a_large_derivation_stays_small():
    tex = derive_conv2d((12, 12), (3, 3), bias=False)._repr_latex_()
    assert r"\text{(10x10 array: see .to_dict())}" in tex and len(tex) < 2000


def test_a_mistake_these_values_do_not_expose_is_not_called_proved():
    from derivations import derive_pool2d
    from presentation.derive import derivation_view

    d = derive_pool2d("max", (3, 3), 3, values=[1, 0, 4, 8, 2, 5, 20, 13, 25])  # one window: nothing overlaps
    assert all(r.holds for r in d.pitfalls)
    c = Console(file=io.StringIO(), width=100, color_system=None)
    c.print(derivation_view(d, "en", width=100))
    out = c.file.getvalue()
    pit = out[out.index("Classic mistakes"):]
    assert "not refuted here" in pit and "✓ proved" not in pit


def test_tour_names_the_rule_correctly():
    from presentation.i18n import EN

    # full cross-correlation with rot180(K) == full convolution with K; "full convolution with rot180(K)"
    # would be the unrotated mistake
    for key in ("tour.s3.title", "tour.s3.intro", "tour.s4.intro"):
        assert "convolution with rot180" not in EN[key], key


def test_every_rule_and_pitfall_has_a_note_in_both_languages():
    from derivations import derive_activation, derive_full_conv2d, derive_layer_deltas, derive_pool2d
    from presentation.i18n import EN, ZH

    ds = [derive_conv2d((6, 6), (3, 3), stride=2), derive_pool2d("mean", (4, 4), 2),
          derive_pool2d("mean", (7, 7), 3, stride=2), derive_pool2d("max", (5, 5), 3, stride=2, values=list(range(25))),
          derive_activation("sigmoid", (2, 2)), derive_activation("relu", (2, 2), values=[0, 1, -1, 2]),
          derive_layer_deltas(), derive_full_conv2d((3, 3), (2, 2))]
    names = {r.name for d in ds for r in (*d.rules, *d.pitfalls)}
    assert {f"rule.note.{n}" for n in names} <= set(EN) & set(ZH), sorted(
        n for n in names if f"rule.note.{n}" not in set(EN) & set(ZH))
    # statements are formulas; the words live in the i18n tables
    for d in ds:
        for r in (*d.rules, *d.pitfalls):
            assert not any(w in r.statement for w in ("ties go", "instead of", "forgotten", "kink", "every")), r.statement


def test_every_derivation_step_is_told_in_both_languages():
    from derivations import derive_activation, derive_full_conv2d, derive_layer_deltas, derive_pool2d
    from presentation.i18n import EN, ZH

    ds = [derive_conv2d((6, 6), (3, 3), stride=2), derive_pool2d("mean", (4, 4), 2),
          derive_pool2d("mean", (7, 7), 3, stride=2), derive_pool2d("max", (5, 5), 3, stride=2, values=list(range(25))),
          derive_activation("sigmoid", (2, 2)), derive_activation("relu", (2, 2), values=[0, 1, -1, 2]),
          derive_layer_deltas(), derive_full_conv2d((3, 3), (2, 2))]
    keys = {st.key for d in ds for st in d.steps}
    assert keys <= set(EN) & set(ZH), sorted(keys - (set(EN) & set(ZH)))
    out = text_of(ds[0], width=100)
    assert "How it is derived" in out and "2. " + EN["conv.forward"][:30] in out


@pytest.mark.parametrize("values, mark", [([7, 7, 1, 0], "≈ another subgradient"), ([7, 7, 7, 0], "✗ rejected")])
def test_heaviside_tie_statement_follows_the_tie_policy(values, mark):
    from derivations import derive_pool2d

    out = text_of(derive_pool2d("max", (2, 2), 2, values=values), width=140)
    assert re.search(re.escape(mark) + r"\s+heaviside_diff", out), out
    assert re.search(r"✗ rejected\s+every_tie_gets_all", out)


def test_a_rule_that_does_not_apply_at_a_shape_says_so_in_words():
    from derivations import derive_pool2d

    out = text_of(derive_pool2d("mean", (5, 5), 2, stride=1), width=140)
    assert "does not apply at these shapes: the exact ∂L/∂A is 5x5, the rule gives 8x8" in out
    assert "∂L/∂[]" not in out and "(5, 5)" not in out


def test_max_pool_footer_says_padding_is_minus_infinity():
    from derivations import derive_pool2d

    out = text_of(derive_pool2d("max", (3, 3), 2, pad=1, values=list(range(9))), width=140)
    assert "-∞" in out and "padding (0)" not in out


def test_padded_conv_rule_says_cropped_full_convolution():
    st = derive_conv2d((5, 5), (3, 3), pad=1).rule("dx_full_conv_rot180").statement
    assert st == "dA = crop_1(full_conv(G, K)) = crop_1(full_xcorr(G, rot180(K)))"



def test_chinese_wraps_by_display_width_and_names_parameters():
    from rich.cells import cell_len

    from derivations import derive_pool2d

    out = text_of(derive_pool2d("max", (2, 2), 2, values=[7, 7, 1, 0]), width=60, lang="zh")
    lines = out.splitlines()
    assert all(cell_len(line) <= 60 for line in lines)
    assert not [line for line in lines if re.fullmatch(r"\d+\. ", line)]  # a step number never stands alone
    steps = out.split("推导过程")[1].split("前向传播:")[0]
    assert "".join(steps.split()).startswith("1.每个方向的输出尺寸")
    assert "步长 stride" in out and "输入形状 input_shape" in out
    assert not [line for line in lines if line and line[0] in "，。：；）"]  # no line starts with closing punctuation
