r"""Gradient-check results in the terminal: per-argument tables, error heat maps, verdicts and their tolerances.

Reads :class:`checker.CheckResult` and :class:`checker.selfcheck.SelfCheckReport`; computes nothing. The heat
map marks every element with a character (readable without colour): ``·`` error below 1% of its tolerance,
``-`` below 10%, ``+`` below the tolerance, ``X`` past it, ``k`` a kink checked by its one-sided interval.

>>> import numpy as np
>>> heat_rows(np.array([[0.001, 0.05], [0.5, 3.0]]))
['· -', '+ X']
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from rich import box
from rich.table import Table

from checker.verdict import distinct

from .i18n import resolve_lang, text
from .matrices import make_console, stderr_bars

HEATMAP_SLICES = 4  # heat maps shown per argument (sample x channel slices); the rest are summarised


#: Column text keys (check.col.*, selfcheck.col.*), named once so the i18n test reads what the code uses.
CHECK_COLUMNS = ("arg", "verdict", "worst", "got", "numeric", "error", "failed", "kinks")
SELFCHECK_COLUMNS = ("op", "verdict", "cases", "elements", "failed", "adjoint", "formulas", "ratio", "time")


def heat_char(ratio: float, kink: bool = False) -> str:
    """One element's mark from its error / tolerance ratio."""
    if kink and ratio < 1:
        return "k"
    return "·" if ratio < 0.01 else "-" if ratio < 0.1 else "+" if ratio < 1 else "X"


def heat_rows(ratio: np.ndarray, kinks: np.ndarray | None = None) -> list[str]:
    """A 2-D ratio map as rows of marks separated by spaces."""
    ratio = np.atleast_2d(ratio)
    k = np.zeros(ratio.shape, bool) if kinks is None else np.atleast_2d(kinks)
    return [" ".join(heat_char(float(r), bool(kk)) for r, kk in zip(row, krow)) for row, krow in zip(ratio, k)]


def _num(v: float) -> str:
    return f"{v:.6g}"


def _pattern(p: str, lang: str) -> str:
    key, _, val = p.partition(":")
    return text(f"pattern.{key}", lang, v=val)


def _note(n, lang: str) -> str:
    return text(n.key, lang, **dict(n.fields))


def check_table(result, lang: str) -> Table:
    """One row per argument: verdict, worst element with backward and numeric +/- tolerance, counts."""
    t = Table(box=box.SIMPLE_HEAD, title=text("check.title", lang, mode=result.mode))
    for key in CHECK_COLUMNS:
        t.add_column(text(f"check.col.{key}", lang), no_wrap=key in ("worst", "numeric", "verdict"))
    for a in result.args:
        mark = text("check.pass" if a.ok else "check.fail", lang)
        total = int(np.prod(a.shape))
        if a.problem or a.worst is None:
            t.add_row(f"d{a.name}", mark, a.problem or "", "", "", "", f"{a.n_failed}/{total}", "")
            continue
        w = a.worst
        idx = "[" + ", ".join(map(str, w.index)) + "]"
        t.add_row(f"d{a.name}", mark, f"d{a.name}{idx}", _num(w.got), f"{_num(w.expected)} ± {w.tol:.1g}",
                  f"{w.error:.2g}", f"{a.n_failed}/{total}", str(a.n_kinks))
    return t


def check_lines(result, lang: str) -> list[str]:
    """The table's content as one labelled line per argument, for terminals too narrow for eight columns."""
    lines = [text("check.title", lang, mode=result.mode)]
    for a in result.args:
        mark = text("check.pass" if a.ok else "check.fail", lang)
        total = int(np.prod(a.shape))
        failed = f"{text('check.col.failed', lang)} {a.n_failed}/{total}"
        if a.problem or a.worst is None:
            lines.append(f"d{a.name}  {mark}: {a.problem or ''}  {failed}")
            continue
        w = a.worst
        idx = "[" + ", ".join(map(str, w.index)) + "]"
        lines.append(f"d{a.name}  {mark}: {text('check.col.worst', lang)} d{a.name}{idx}, "
                     f"{text('check.col.got', lang)} {_num(w.got)}, "
                     f"{text('check.col.numeric', lang)} {_num(w.expected)} ± {w.tol:.1g}, "
                     f"{text('check.col.error', lang)} {w.error:.2g}, {failed}, "
                     f"{text('check.col.kinks', lang)} {a.n_kinks}")
    return lines


def heatmaps(arg, lang: str) -> list[str]:
    """Text heat maps of one argument: one grid per (sample, channel) slice, failing slices first."""
    ratio = arg.ratio
    if ratio is None:
        return []
    kink = arg.kinked if arg.n_kinks and arg.kinks != "strict" else None
    r4 = ratio.reshape((1,) * (4 - ratio.ndim) + ratio.shape) if ratio.ndim < 4 else ratio.reshape(
        (-1, ratio.shape[-3]) + ratio.shape[-2:])
    k4 = None if kink is None else kink.reshape(r4.shape)
    slices = sorted(np.ndindex(*r4.shape[:2]), key=lambda s: -float(r4[s].max()))
    lines = []
    for s in slices[:HEATMAP_SLICES]:
        where = f"[{s[0]}, {s[1]}]" if ratio.ndim == 4 else ""
        lines.append(text("check.heatmap", lang, arg=arg.name, where=where, worst=f"{float(r4[s].max()):.2g}"))
        lines += ["  " + row for row in heat_rows(r4[s], None if k4 is None else k4[s])]
    if len(slices) > HEATMAP_SLICES:
        lines.append(text("check.more_slices", lang, n=len(slices) - HEATMAP_SLICES))
    return lines


def render_check(result, *, console=None, lang: str | None = None, heat: bool = True) -> None:
    """Print a CheckResult: verdict, table, heat maps of failing (or all small) arguments, notes."""
    lang = resolve_lang(lang)
    console = console or make_console()
    console.print(text("check.ok" if result.ok else "check.bad", lang))
    if result.directional is not None:
        g, n, tol = result.directional
        gs, ns = distinct(g, n)  # digits enough to show the two differ
        console.print(text("check.directional", lang, got=gs, num=ns, tol=f"{tol:.1g}"))
    if result.args:
        if console.width >= 110:
            console.print(check_table(result, lang))
        else:  # eight columns would cut the numbers a reader came for: labelled lines instead
            for line in check_lines(result, lang):
                console.print(line, markup=False)
        for a in result.args:
            if a.patterns:
                pats = "; ".join(_pattern(p, lang) for p in a.patterns)
                console.print(f"d{a.name} — {text('check.col.pattern', lang)}: {pats}", markup=False)
        console.print(text("check.tol_source", lang))
    if heat:
        for a in result.args:
            if not a.ok or int(np.prod(a.shape)) <= 64:
                for line in heatmaps(a, lang):
                    console.print(line, markup=False)
        if any(a.ratio is not None for a in result.args):
            console.print(text("check.legend", lang), markup=False)
    console.print(text("check.calls", lang, calls=result.calls, ms=f"{result.seconds * 1e3:.0f}"))
    for n in result.notes:
        console.print("• " + _note(n, lang), markup=False)


def render_selfcheck(report, *, console=None, lang: str | None = None) -> None:
    """Print a SelfCheckReport: one row per operation, the verdict, and the closest case in full if it failed."""
    lang = resolve_lang(lang)
    console = console or make_console()
    keys = SELFCHECK_COLUMNS
    rows = [(text(f"op.{o.op}", lang), text("check.pass" if o.ok else "check.fail", lang), str(o.cases),
             str(o.elements), str(o.failed), str(o.adjoint_failed), f"{o.formula_cases - o.formula_failed}/"
             f"{o.formula_cases}", f"{o.max_ratio:.2g}", f"{o.seconds:.1f} s") for o in report.ops]
    title = text("selfcheck.title", lang, examples=report.examples, seed=report.seed)
    if console.width >= 84:
        t = Table(box=box.SIMPLE_HEAD, title=title)
        for key in keys:
            t.add_column(text(f"selfcheck.col.{key}", lang), no_wrap=True)
        for row in rows:
            t.add_row(*row)
        console.print(t)
    else:  # narrow terminal: one line per operation, every figure labelled, nothing cut
        console.print(title, markup=False)
        for row in rows:
            console.print(f"{row[0]}  {row[1]}: " + ", ".join(
                f"{text(f'selfcheck.col.{k}', lang)} {v}" for k, v in zip(keys[2:], row[2:])), markup=False)
    console.print(text("selfcheck.ratio_means", lang))
    console.print(text("selfcheck.formulas_means", lang))
    for o in report.ops:
        params = ", ".join(f"{k}={'x'.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in o.worst_params)
        console.print(text("selfcheck.worst", lang, op=text(f"op.{o.op}", lang), params=params), markup=False)
        if not o.ok and o.worst is not None:
            render_check(o.worst, console=console, lang=lang)
    console.print(text("selfcheck.ok" if report.ok else "selfcheck.bad", lang))


@contextmanager
def selfcheck_progress(ops, *, no_color: bool = False, lang: str | None = None):
    """A progress bar per operation while ``selfcheck`` runs (see ``stderr_bars``); yields the callback."""
    with stderr_bars(no_color=no_color) as bars:
        if bars is None:
            yield None
            return
        lang = resolve_lang(lang)
        tasks = {op: bars.add_task(text(f"op.{op}", lang), total=None) for op in ops}
        yield lambda op, done, total: bars.update(tasks[op], completed=done, total=total)
