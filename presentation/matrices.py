r"""Matrices as rich tables: SymPy arrays, numpy arrays or nested lists, with an optional highlighted window.

Highlighted cells are bracketed as well as styled, so a window stays visible with colour switched off
(``NO_COLOR``, ``--no-color``, a pipe). Nothing here computes maths: entries are only formatted.

>>> import io
>>> from rich.console import Console
>>> c = Console(file=io.StringIO(), width=40, color_system=None)
>>> c.print(matrix_table([[1, 2], [3, 4]], highlight={(0, 0)}))
>>> "[1]" in c.file.getvalue(), "│ 4 │" in c.file.getvalue()
(True, True)
"""
from __future__ import annotations

import numbers
import sys
from contextlib import contextmanager
from typing import Iterable

from rich import box
from rich.columns import Columns
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

HIGHLIGHT = "bold reverse"


def make_console(*, no_color: bool = False, file=None, width: int | None = None) -> Console:
    """The console every command prints to; ``no_color`` (or the ``NO_COLOR`` variable) drops colour.

    >>> make_console(no_color=True).no_color
    True
    """
    # rich reads NO_COLOR and COLUMNS itself; --no-color only has to add to that.
    return Console(file=file, width=width, no_color=no_color or None, highlight=False, emoji=False)


@contextmanager
def stderr_bars(*, no_color: bool = False):
    """Rich progress bars on stderr while the block runs; ``None`` when stderr is not a terminal.

    stderr, so an export on stdout stays a clean document; no bars at all in pipes, files and CI logs.
    """
    console = make_console(no_color=no_color, file=sys.stderr)
    if not console.is_terminal:
        yield None
        return
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)
    with bars:
        yield bars


def entry_text(v) -> str:
    """One entry as learners read it: whole numbers without '.0', other floats to 4 digits, symbols by name.

    >>> entry_text(3.0), entry_text(0.123456), entry_text(-2), entry_text("A11")
    ('3', '0.1235', '-2', 'A11')
    """
    if type(v).__module__.startswith("sympy"):
        return str(v)  # exact values stay exact: 1/4, G11/4, A11
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.4g}"
    return str(v)


def rows_of(m) -> list[list]:
    """Nested rows of a 2-D (or smaller) array-like; a vector becomes one row, a scalar one cell.

    >>> rows_of([1, 2]), rows_of(5)
    ([[1, 2]], [[5]])
    """
    rows = m.tolist() if hasattr(m, "tolist") else m
    if not isinstance(rows, list):
        return [[rows]]
    if not rows or not isinstance(rows[0], list):
        return [rows]
    return rows


def window_cells(i: int, j: int, kh: int, kw: int, stride: int = 1) -> set[tuple[int, int]]:
    """The cells under a kh x kw window at output position (i, j) (0-based).

    >>> sorted(window_cells(0, 1, 2, 2))
    [(0, 1), (0, 2), (1, 1), (1, 2)]
    """
    return {(i * stride + p, j * stride + q) for p in range(kh) for q in range(kw)}


def matrix_table(m, *, title: str | None = None, highlight: Iterable[tuple[int, int]] = (),
                 style: str = HIGHLIGHT) -> Table:
    """A boxed table of the entries of ``m``; ``highlight`` cells are bracketed and styled."""
    marked = set(highlight)
    rows = rows_of(m)
    table = Table(show_header=False, box=box.SQUARE, title=title, padding=(0, 1), expand=False)
    for _ in rows[0]:
        table.add_column(justify="right")
    for i, row in enumerate(rows):
        cells = []
        for j, v in enumerate(row):
            s = entry_text(v)
            cells.append(Text(f"[{s}]", style=style) if (i, j) in marked else Text(s))
        table.add_row(*cells)
    return table


def side_by_side(*items, padding: int = 2) -> Columns:
    """Renderables next to each other while they fit; a narrow terminal stacks them instead."""
    return Columns(list(items), padding=(0, padding), align="left")


def labelled(label: str, item) -> Group:
    """A renderable under a bold one-line label."""
    return Group(Text(label, style="bold"), item)
