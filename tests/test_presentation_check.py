"""Renderers of check results: text compared without colour, in English and Chinese, at a narrow width."""
import io

import numpy as np
from rich.console import Console

from checker import check_backward, pool2d_structure
from checker.pool_ops import maxpool_backward, maxpool_forward, meanpool_backward, meanpool_forward
from checker.selfcheck import selfcheck
from presentation.check import heat_rows, render_check, render_selfcheck


def render(fn, obj, *, lang="en", width=100):
    c = Console(file=io.StringIO(), width=width, color_system=None)
    fn(obj, console=c, lang=lang)
    return c.file.getvalue()


def mean_pool_result(factor):
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4))
    return check_backward(lambda x: meanpool_forward(x, 2, 2, stride=2),
                          lambda d, x: factor * meanpool_backward(d, x.shape, 2, 2, stride=2), [x], seed=0,
                          structure=pool2d_structure(2, 2, stride=2))


def test_heat_rows_marks_each_element():
    assert heat_rows(np.array([[0.0, 0.02, 0.5, 1.0]])) == ["· - + X"]
    assert heat_rows(np.array([[0.0, 5.0]]), np.array([[True, True]])) == ["k X"]  # a failing kink stays X


def test_failure_shows_worst_element_tolerance_pattern_and_map():
    out = render(render_check, mean_pool_result(4))
    assert "does NOT match" in out and "✗ wrong" in out
    assert "dx[" in out and "±" in out and "every entry off by a constant factor 4" in out
    assert "derived, per element" in out  # where the tolerance came from
    assert "X X X X" in out and "· < 1% of the tolerance" in out  # heat map and its legend


def test_pass_and_chinese():
    out = render(render_check, mean_pool_result(1), lang="zh")
    assert "✓ 反向传播与有限差分一致" in out and "最差的项" in out and "误差/容差" in out
    grid = [line for line in out.splitlines() if line.strip() and line.startswith("  ") and set(line.strip()) <= set("·-+Xk ")]
    assert len(grid) == 8 and not any("X" in line for line in grid)  # 2 slices of 4x4, all passing


def test_kinks_are_marked_and_explained():
    x = np.ones((1, 1, 2, 2))
    r = check_backward(lambda x: maxpool_forward(x, 2, 2, stride=2),
                       lambda d, x: maxpool_backward(d, x, 2, 2, stride=2), [x], seed=0)
    out = render(render_check, r)
    assert "k k" in out and "within a step of a kink" in out and "interval" in out


def test_float32_note_and_mutation_note():
    f32 = np.random.default_rng(1).standard_normal(3).astype(np.float32)
    out = render(render_check, check_backward(lambda x: x * x, lambda d, x: 2 * d * x, [f32], seed=0, mode="element"))
    assert "float32 inputs" in out and "precision only" in out

    def mutating(d, x):
        d *= 2
        return d
    out = render(render_check, check_backward(lambda x: 2 * x, mutating, [np.ones(3)], seed=0))
    assert "backward modified its input dout in place" in out


def test_directional_result_says_it_cannot_localise():
    r = check_backward(lambda x: 2 * x, lambda d, x: 2 * d, [np.ones(3)], seed=0, mode="directional")
    out = render(render_check, r)
    assert "random direction" in out and "cannot say which element" in out


def test_selfcheck_table_at_80_columns_in_both_languages():
    rep = selfcheck(["mean-pool", "max-pool"], examples=2, seed=0)
    en = render(render_selfcheck, rep, width=80)
    assert "mean pooling" in en and "max pooling" in en and "✓ every rule matches" in en
    assert all(len(line) <= 80 for line in en.splitlines())
    zh = render(render_selfcheck, rep, lang="zh", width=80)
    assert "平均池化" in zh and "最大池化" in zh


def test_every_key_the_check_screens_use_exists_in_both_languages():
    # text() falls back to the key, so a missing key would print "note.kinks" instead of failing
    import re
    from pathlib import Path

    from presentation.i18n import EN, ZH

    root = Path(__file__).resolve().parents[1]
    used = set()
    for path in ("presentation/check.py", "checker/engine.py", "checker/check.py", "checker/result.py"):
        used |= set(re.findall(r"""["']((?:check|note|selfcheck)\.[a-z0-9_.]+)["']""", (root / path).read_text()))
    from presentation.check import CHECK_COLUMNS, SELFCHECK_COLUMNS

    used |= {f"check.col.{k}" for k in (*CHECK_COLUMNS, "pattern")}
    used |= {f"selfcheck.col.{k}" for k in SELFCHECK_COLUMNS}
    used |= {f"op.{o}" for o in ("conv", "mean-pool", "max-pool")}
    used |= {f"pattern.{p}" for p in ("border", "one-channel", "one-sample", "factor", "transposed", "rotated")}
    assert {"note.kinks", "note.mutated", "check.tol_source"} <= used
    assert not used - set(EN), sorted(used - set(EN))
    assert not used - set(ZH), sorted(used - set(ZH))


def test_numbers_are_never_cut_at_any_width():
    r = mean_pool_result(4)
    w = r.args[0].worst
    for width in (60, 80, 109, 120):
        out = render(render_check, r, width=width)
        # the worst element's backward value and numeric value appear whole, whatever the width
        assert f"{w.got:.6g}" in out and f"{w.expected:.6g}" in out, width
        assert "…" not in out.split("Each tolerance")[0], width
