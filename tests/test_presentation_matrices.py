"""Matrix tables: entries formatted as learners read them, the window visible without colour."""
import io

import numpy as np
import sympy
from rich.console import Console

from presentation.matrices import entry_text, matrix_table, rows_of, side_by_side, window_cells


def render(renderable, width=60) -> str:
    c = Console(file=io.StringIO(), width=width, color_system=None)
    c.print(renderable)
    return c.file.getvalue()


def test_seed_kernel_entries_appear_as_integers():
    out = render(matrix_table(np.arange(1, 10.0).reshape(3, 3)))
    for v in range(1, 10):
        assert f" {v} " in out
    assert ".0" not in out


def test_window_is_bracketed_without_colour():
    names = [[f"A{i}{j}" for j in range(1, 6)] for i in range(1, 6)]
    out = render(matrix_table(names, highlight=window_cells(1, 2, 3, 3)))
    for i, j in window_cells(1, 2, 3, 3):
        assert f"[A{i + 1}{j + 1}]" in out
    assert "[A11]" not in out and " A11 " in out
    assert "\x1b[" not in out  # no escape codes when colour is off


def test_sympy_entries_stay_exact():
    g = sympy.Symbol("G11")
    out = render(matrix_table(sympy.Array([[g / 4, sympy.Rational(1, 4)]])))
    assert "G11/4" in out and "1/4" in out


def test_entry_text_and_rows():
    assert entry_text(np.float64(25.0)) == "25"
    assert entry_text(1e-9) == "1e-09"
    assert rows_of(np.zeros((2, 3))) == [[0.0] * 3] * 2


def test_side_by_side_stacks_at_narrow_width():
    a = matrix_table(np.ones((5, 5)))
    wide, narrow = render(side_by_side(a, a), 80), render(side_by_side(a, a), 30)
    assert max(map(len, narrow.splitlines())) <= 30
    assert len(narrow.splitlines()) > len(wide.splitlines())
