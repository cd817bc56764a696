r"""A derivation in the terminal: matrices as tables, formulas pretty-printed, rules with a proved/rejected mark.

The renderer reads a :class:`derivations.Derivation` and never computes maths. Markdown, LaTeX and JSON
exports live in :mod:`presentation.export`; :func:`render_derivation` dispatches on ``fmt``.

>>> derivation_view.__name__
'derivation_view'
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from derivations import reporting  # the progress hook alone (derivations loads its modules lazily): no SymPy
from derivations._validate import one_of

from . import export
from .derive_network import network_view, softmax_lines
from .derive_text import (MARK_KEYS, MARK_STYLES, Filled, counterexample_text, general_note_key, ordered_terms,
                          pairs_text, param_label, rule_mark, rule_note, rule_state, section_heading, shape_text,
                          sum_text)
from .general import general_formula, shown_general
from .i18n import resolve_lang, text
from .matrices import labelled, make_console, matrix_table, side_by_side, stderr_bars

# rule_mark, rule_state and shape_text are read from here by the tour and by callers of the library
__all__ = ["FORMATS", "MARK_KEYS", "array_view", "association_table", "derivation_view", "derive_progress",
           "entry_lines", "render_derivation", "rule_mark", "rule_state", "rules_table", "shape_text"]

FORMATS = ("text", "markdown", "latex", "json")

#: Entries of an array written out unless every one is asked for (--all): on screen, and per large array
#: in a handout (see presentation.handout).
FIRST_ENTRIES = 12


#: A sum with more terms shows its first half and its length on screen: 576 terms fill screens and teach nothing.
SCREEN_TERMS = 16


def entry_lines(lhs, values, *, width: int, limit: int | None, prefix: str = "", lang: str = "en") -> list[str]:
    """``lhs[i] = values[i]`` pretty-printed (unicode), one formula per entry, at most ``limit`` of them."""
    import sympy  # start-up time: SymPy takes about a second to load

    lhs_flat = list(sympy.flatten(lhs.tolist())) if hasattr(lhs, "tolist") else [lhs]
    val_flat = list(sympy.flatten(values.tolist())) if hasattr(values, "tolist") else [values]
    shown = val_flat if limit is None else val_flat[:limit]
    out = []
    for name, v in zip(lhs_flat, shown):
        if limit is not None and isinstance(v, sympy.Add) and len(v.args) > SCREEN_TERMS:
            head = sum_text(ordered_terms(v)[:SCREEN_TERMS // 2])
            out.append(f"{prefix}{name} = {head} + {text('derive.terms', lang, n=len(v.args))}")
            continue
        if any("_" in str(x) for x in (name, *getattr(v, "free_symbols", ()))):
            # x_0_1_2_3 pretty-prints as x₀ ₁ ₂ ₃, which wraps inside the name: keep the plain spelling,
            # terms in natural order (SymPy's own puts A_1_10 before A_1_6).
            out.append(f"{prefix}{name} = {sum_text(ordered_terms(v))}")
            continue
        rhs = sympy.pretty(v, use_unicode=True, wrap_line=False)
        if "\n" in rhs:  # fractions and powers: let SymPy lay out the whole equation
            eq = sympy.Eq(sympy.Symbol(prefix + str(name)), v, evaluate=False)
            out.append(sympy.pretty(eq, use_unicode=True, num_columns=max(width, 20)))
        else:  # one line: rich wraps it at spaces, never inside a name
            out.append(f"{prefix}{sympy.pretty(name, use_unicode=True)} = {rhs}")
    return out


def _formulas(lhs, values, lang, *, width, limit, prefix=""):
    lines = entry_lines(lhs, values, width=width, limit=limit, prefix=prefix, lang=lang)
    total = len(values) if hasattr(values, "__len__") else 1
    items = [Text(s) for s in lines]
    if total > len(lines):
        items.append(Text(text("more", lang, n=total - len(lines)), style="dim"))
    return Group(*items)


SCREEN_SIDE = 10  # a wider matrix of symbol names no longer fits a terminal as a table


def array_view(name: str, arr, lang: str = "en"):
    """A 2-D array as a table; a 4-D one as its first (n, c) slices; anything else as one row."""
    shape = tuple(arr.shape)
    if max(shape, default=1) > SCREEN_SIDE:
        return Text(text("derive.big", lang, name=name, shape=shape_text(tuple(int(n) for n in shape))))
    if len(shape) == 4:
        slices = [labelled(f"{name}[{n},{c}]", matrix_table(arr[n, c, :, :]))
                  for n in range(min(shape[0], 2)) for c in range(min(shape[1], 2))]
        return side_by_side(*slices)
    if len(shape) == 3:  # channels (pooling): the first few, each as a matrix
        return side_by_side(*(labelled(f"{name}: channel {c + 1}", matrix_table(arr[c, :, :]))
                              for c in range(min(shape[0], 3))))
    return labelled(name, matrix_table(arr))


def rules_table(rules, lang: str, derivation=None, *, pitfalls: bool = False) -> Table:
    """Rules with their mark, statement and, when rejected, the first wrong entry (``pitfalls``: mistakes)."""
    t = Table(box=None, show_header=False, padding=(0, 1), expand=False)  # no empty frame lines
    t.add_column(no_wrap=True)
    t.add_column(overflow="fold")
    for r in rules:
        body = [Text(r.name, style="bold"), Text(r.statement)]
        if rule_note(r.name, lang):
            body.append(Filled(rule_note(r.name, lang), style="italic"))
        body.append(Text(text("rule.checked", lang, n=r.checked), style="dim"))
        if r.counterexample is not None:
            body.append(Text(counterexample_text(r.counterexample, lang, derivation)))
        state = rule_state(r.holds, pitfall=pitfalls, tie_verdict=r.tie_verdict)
        t.add_row(Text(text(MARK_KEYS[state], lang), style=MARK_STYLES[state]), Group(*body))
    return t


def association_table(meetings, lang: str, limit: int | None = None, *, kernel: bool = True) -> Table:
    """The seed's table: each input entry, the kernel entries (or pooling weights) it meets, and where."""
    t = Table(box=box.SIMPLE_HEAD, padding=(0, 1), expand=False)
    t.add_column(text("col.input", lang), no_wrap=True)
    t.add_column(text("col.kernel" if kernel else "col.weight", lang), overflow="fold")
    t.add_column(text("col.output", lang), overflow="fold")
    for m in meetings if limit is None else meetings[:limit]:
        t.add_row(str(m.input), *pairs_text(m))
    return t


def derivation_view(d, lang: str = "en", *, width: int = 80, limit: int | None = FIRST_ENTRIES) -> Group:
    """Every section of a derivation as one rich renderable."""
    import sympy  # start-up time: SymPy takes about a second to load

    names = d.names
    params = Table(box=None, show_header=False, padding=(0, 1))  # no empty frame lines
    for k, v in d.params.items():
        params.add_row(param_label(k, lang), shape_text(v))
    parts = [Text(text("derive.title", lang, op=d.op), style="bold underline"),
             labelled(text("derive.params", lang), params),
             labelled(text("derive.symbols", lang),
                      side_by_side(*(array_view(n, a, lang) for n, a in d.symbols.items())))]
    out = d.symbols.get(names.get("output", ""), sympy.Symbol(names.get("output", "out")))
    if d.steps:  # the derivation's own order of ideas, in words; the sections below show the values
        parts.append(labelled(text("derive.steps", lang), Group(*(Filled(f"{i}. {text(st.key, lang)}")
                                                                  for i, st in enumerate(d.steps, 1)))))
    if d.op == "softmax-ce":  # the untrained loss ln M, and the numbers at --values
        parts.append(Group(*(Filled(s) for s in softmax_lines(d, lang))))
    parts.append(labelled(section_heading("forward", d, lang), _formulas(out, d.forward, lang, width=width, limit=limit)))
    grads = [_formulas(d.symbols[g], arr, lang, width=width, limit=limit, prefix="∂L/∂")
             for g, arr in d.grads.items() if g in d.symbols]
    parts.append(labelled(section_heading("grads", d, lang), Group(*grads)))
    if d.general:
        parts.append(labelled(text("derive.general", lang),
                              Group(*(general_formula(k, v, width, lang) for k, v in shown_general(d)),
                                    Filled(text(general_note_key(d), lang)))))
    if d.association:
        lim = None if len(d.association) <= 36 else limit
        rest = [] if lim is None else [Text(text("more", lang, n=len(d.association) - lim), style="dim")]
        parts.append(labelled(text("derive.association", lang),
                              Group(association_table(d.association, lang, lim, kernel="kernel" in names),
                                    *rest)))
    parts.append(labelled(text("derive.rules", lang), rules_table(d.rules, lang, d)))
    pitfalls = d.pitfalls
    if pitfalls:
        parts.append(labelled(text("derive.pitfalls", lang), rules_table(pitfalls, lang, d, pitfalls=True)))
    return Group(*(x for p in parts for x in (p, Text(""))))


def render_derivation(d, fmt: str = "text", console=None, lang: str | None = None, *,
                      limit: int | None = FIRST_ENTRIES) -> str | None:
    """Print a derivation: ``text`` to a rich console; ``markdown``/``latex``/``json`` as a complete document.

    The export formats are also returned as a string; ``text`` returns None.
    """
    lang = resolve_lang(lang)
    one_of("fmt", fmt, FORMATS)
    if fmt == "text":
        console = console or make_console()
        # a network's gradients run to pages of exponentials: its own view shows them at the point
        console.print(network_view(d, lang, limit=limit) if d.op == "network"
                      else derivation_view(d, lang, width=console.width, limit=limit))
        return None
    if fmt == "json":
        doc = export.to_json(d, lang)
    else:  # a large array is summarized (first entries, shape table) unless limit is None (--all)
        doc = {"markdown": export.to_markdown, "latex": export.to_latex}[fmt](d, lang, limit)
    # Raw write, not console.print: a document must not be wrapped to the terminal width or styled.
    (console.file if console is not None else sys.stdout).write(doc)
    return doc


@contextmanager
def derive_progress(op: str, *, no_color: bool = False, lang: str = "en"):
    """A progress bar per derivation stage (forward, gradients, proofs) while the block runs (``stderr_bars``)."""
    with stderr_bars(no_color=no_color) as bars:
        if bars is None:
            yield
            return
        tasks = {}

        def update(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bars.add_task(text(f"derive.stage.{stage}", lang, op=op), total=total)
            bars.update(tasks[stage], completed=done, total=total)

        with reporting(update):
            yield
