r"""A model summary as Keras prints it: one row per layer (name and type, output shape, parameters), the total.

Reads :class:`derivations.models.Summary`; computes nothing. Shapes are written as Keras writes them, with
``None`` for the batch axis; counts with thousands separators, as ``model.summary()`` prints its total.

>>> import io
>>> from rich.console import Console
>>> from derivations.models import load, summary
>>> c = Console(file=io.StringIO(), width=80, color_system=None)
>>> render_summary(summary(load("keras")), console=c)
>>> "Total params: 93,322" in c.file.getvalue()
True
"""
from __future__ import annotations

import json

from rich import box
from rich.table import Table

from .i18n import resolve_lang, text

#: Column text keys (summary.col.*), named once so the i18n test reads what the code uses.
SUMMARY_COLUMNS = ("layer", "output", "params")


def shape_text(output: tuple[int, ...]) -> str:
    """An output shape as Keras prints it, the batch axis first.

    >>> shape_text((26, 26, 32)), shape_text((576,))
    ('(None, 26, 26, 32)', '(None, 576)')
    """
    return "(" + ", ".join(["None", *map(str, output)]) + ")"


def summary_table(s, lang: str = "en") -> Table:
    """The layers of ``s`` as a rich table, the total in its footer."""
    t = Table(title=text("summary.title", lang, input="x".join(map(str, s.input_hwc))), box=box.SIMPLE_HEAD,
              show_footer=True, title_justify="left")
    for key, justify in zip(SUMMARY_COLUMNS, ("left", "left", "right")):
        footer = text("summary.total", lang, total=f"{s.total:,}") if key == "layer" else ""
        # a shape or a count broken over two lines misreads; a long layer name may wrap instead
        t.add_column(text(f"summary.col.{key}", lang), justify=justify, footer=footer, no_wrap=key != "layer")
    for r in s.rows:
        t.add_row(r.name if r.name == r.kind else f"{r.name} ({r.kind})", shape_text(r.output), f"{r.params:,}")
    return t


def to_dict(s) -> dict:
    """The summary as plain data (lists, numbers, text), for ``--format json``.

    >>> from derivations.models import load, summary
    >>> to_dict(summary(load("notes-cnn")))["total"]
    13602
    """
    return {"input": list(s.input_hwc), "total": s.total,
            "layers": [{"name": r.name, "kind": r.kind, "output": list(r.output), "params": r.params}
                       for r in s.rows]}


def render_summary(s, *, console, lang: str | None = None, fmt: str = "text") -> None:
    """Print ``s``: a table with the parameter formulas under it (text), or its plain data (json)."""
    if fmt == "json":
        console.file.write(json.dumps(to_dict(s), ensure_ascii=False, indent=2) + "\n")
        return
    lang = resolve_lang(lang)
    console.print(summary_table(s, lang))
    console.print(text("summary.formula", lang))
