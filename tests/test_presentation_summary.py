"""The summary table as a reader sees it: rendered into a plain console, compared as text."""
import io
import json

from rich.console import Console

from derivations.models import load, parse, summary
from presentation.i18n import EN, ZH
from presentation.summary import SUMMARY_COLUMNS, render_summary, shape_text, to_dict


def rendered(s, lang="en", width=100, fmt="text"):
    c = Console(file=io.StringIO(), width=width, color_system=None)
    render_summary(s, console=c, lang=lang, fmt=fmt)
    return c.file.getvalue()


def rows(out):
    """The table's body rows as lists of cells (split on runs of two or more spaces)."""
    import re

    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines() if "(None," in line]


def test_keras_table_reads_as_the_notes_print_it():
    out = rendered(summary(load("keras")))
    assert rows(out) == [
        ["conv", "(None, 26, 26, 32)", "320"], ["maxpool", "(None, 13, 13, 32)", "0"],
        ["conv_1 (conv)", "(None, 11, 11, 64)", "18,496"], ["maxpool_1 (maxpool)", "(None, 5, 5, 64)", "0"],
        ["conv_2 (conv)", "(None, 3, 3, 64)", "36,928"], ["flatten", "(None, 576)", "0"],
        ["dense", "(None, 64)", "36,928"], ["dense_1 (dense)", "(None, 10)", "650"]]
    assert "Total params: 93,322" in out
    assert out.index("Layer (type)") < out.index("Output Shape") < out.index("Param #")
    assert "input 28x28x1" in out


def test_lenet5_in_chinese_with_the_layer_names():
    out = rendered(summary(load("lenet5")), lang="zh")
    got = {r[0]: r[2] for r in rows(out)}
    assert (got["C1 (conv)"], got["S2 (subsample)"], got["C3 (conv_table)"]) == ("156", "12", "1,516")
    assert "参数总数:60,840" in out and "层(类型)" in out and "Total" not in out


def test_json_is_plain_data():
    data = json.loads(rendered(summary(load("notes-cnn")), fmt="json"))
    assert data == {"input": [28, 28, 1], "total": 13602, "layers": [
        {"name": "conv", "kind": "conv", "output": [26, 26, 8], "params": 72},
        {"name": "maxpool", "kind": "maxpool", "output": [13, 13, 8], "params": 0},
        {"name": "flatten", "kind": "flatten", "output": [1352], "params": 0},
        {"name": "dense", "kind": "dense", "output": [10], "params": 13530}]}
    assert data == to_dict(summary(load("notes-cnn")))


def test_a_model_without_layers_still_shows_its_total():
    out = rendered(summary(parse("input 4x4")))
    assert rows(out) == [] and "Total params: 0" in out


def test_shapes_written_as_keras_writes_them():
    assert shape_text((1, 1, 120)) == "(None, 1, 1, 120)" and shape_text((10,)) == "(None, 10)"


def test_every_column_and_line_has_both_languages():
    keys = [f"summary.col.{k}" for k in SUMMARY_COLUMNS] + ["summary.title", "summary.total", "summary.formula"]
    assert all(k in EN and k in ZH for k in keys)
    assert {k for k in EN if k.startswith("summary.")} == {k for k in ZH if k.startswith("summary.")}


def test_a_narrow_terminal_keeps_every_shape_and_count_on_one_line():
    out = rendered(summary(load("keras")), width=44)
    assert "(None, 26, 26, 32)" in out and "18,496" in out and "36,928" in out
    assert all(len(line) <= 44 for line in out.splitlines())
