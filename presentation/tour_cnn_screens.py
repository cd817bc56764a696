r"""The four screens of ``gradproof tour cnn``. Each reads what :func:`presentation.tour_cnn.collect` gathered.

>>> chart([2.0, 2.0, 1.5, 0.0], width=4, height=2)
['2.00 ┤██▄ ', '     │███ ', '0.00 └────']
"""
from __future__ import annotations

import math

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from .derive import rules_table, shape_text
from .i18n import text
from .tour_screens import _gap, _para, _title

BLOCKS = " ▁▂▃▄▅▆▇█"  # eighths of a cell, for a chart in plain text


def chart(values, *, width: int, height: int) -> list[str]:
    """``values`` as a bar chart of ``width`` columns (bucket means) and ``height`` rows, 0 at the bottom."""
    values = np.asarray(values, dtype=float)
    buckets = [b.mean() for b in np.array_split(values, min(width, len(values)))]
    top = max(max(buckets), 1e-12)
    high, low = f"{top:.2f}", f"{0:.2f}"
    pad = max(len(high), len(low))  # the axis labels right-aligned, so that every row starts its bars together
    rows = []
    for r in range(height, 0, -1):  # row r covers (r - 1, r] eighths-of-height units
        cells = []
        for v in buckets:
            eighths = round(v / top * height * 8) - (r - 1) * 8
            cells.append(BLOCKS[min(max(eighths, 0), 8)])
        label = high.rjust(pad) + " ┤" if r == height else " " * pad + " │"
        rows.append(label + "".join(cells))
    rows.append(low.rjust(pad) + " └" + "─" * len(buckets))
    return rows


def running_mean(values, window: int) -> np.ndarray:
    """The mean of the last ``window`` values at each step (fewer at the start).

    >>> running_mean([1.0, 3.0, 5.0], 2).tolist()
    [1.0, 2.0, 4.0]
    """
    c = np.cumsum(np.concatenate([[0.0], np.asarray(values, dtype=float)]))
    n = np.arange(1, len(values) + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


def _shape_table(rows, counts, lang) -> Table:
    t = Table(text("cnn.col.layer", lang), text("cnn.col.output", lang), text("cnn.col.params", lang),
              box=box.SIMPLE_HEAD, padding=(0, 1))
    for name, out, n in rows:
        t.add_row(name, out, f"{n:,}")
    t.add_row(text("cnn.col.total", lang), "", f"{sum(counts):,}")
    return t


def _network_rows(summary, net):
    """(layer, output shape, parameters) of the notes' classes; shapes from ``summarize``, counts from the weights."""
    conv, _, soft = net
    conv_s, pool_s, flat_s, dense_s = summary
    side = conv_s.output[0] + 2
    return [(f"input {side}x{side}", shape_text((side, side)), 0),
            ("Conv3x3(8)", shape_text(conv_s.output), conv.filters.size),
            ("MaxPool2()", shape_text(pool_s.output), 0),
            (f"Softmax({flat_s.output[0]}, 10)", shape_text(dense_s.output), soft.weights.size + soft.biases.size)]


def screen_shapes(data, lang, width):
    rows28, rows8 = _network_rows(data.shapes28, data.net28), _network_rows(data.shapes8, data.net8)
    keras = data.shapes28[0].params  # summarize counts one bias per filter, as Keras does
    return _gap(_title("cnn.s1.title", lang), _para("cnn.s1.intro", lang),
                _shape_table(rows28, [n for *_, n in rows28], lang),
                _para("cnn.s1.counts", lang, conv=rows28[1][2], keras=keras, dense=rows28[3][2],
                      flat=data.shapes28[2].output[0]),
                _para("cnn.s1.digits", lang), _shape_table(rows8, [n for *_, n in rows8], lang))


def install_hint(lang) -> Text:
    return Text(text("cnn.no_digits", lang), style="bold")


def screen_untrained(data, lang, width):
    r = data.random28
    items = [_title("cnn.s2.title", lang), _para("cnn.s2.why", lang, ln10=f"{math.log(10):.4f}"),
             _para("cnn.s2.random", lang, n=r.n, side=28, loss=f"{r.loss:.4f}", z=f"{r.max_logit:.3f}",
                   lo=f"{r.p_min:.3f}", hi=f"{r.p_max:.3f}")]
    if data.digits is None:
        items.append(install_hint(lang))
    else:
        u = data.untrained8
        items.append(_para("cnn.s2.digits", lang, n=u.n, loss=f"{u.loss:.4f}", z=f"{u.max_logit:.3f}",
                           lo=f"{u.p_min:.3f}", hi=f"{u.p_max:.3f}", off=f"{u.loss - math.log(10):+.4f}"))
    return _gap(*items)


def _vector(v) -> str:
    return "[" + " ".join(f"{x:+.3f}" for x in v) + "]"


def verdict_rows(result, lang) -> Table:
    """Per layer and gradient: the verdict, the worst error and its tolerance (along a direction when the
    check went by directions and passed, entry by entry otherwise)."""
    t = Table(text("cnn.col.layer", lang), text("tour.col.arg", lang), text("tour.col.verdict", lang),
              text("tour.col.err", lang), text("tour.col.tol", lang), box=box.SIMPLE_HEAD, padding=(0, 1))

    def add(layer, a):
        if a.worst is not None:
            err, tol = f"{a.worst.error:.1e}", f"{a.worst.tol:.1e}"
        elif a.screen is not None:
            err, tol = f"{abs(a.screen.got - a.screen.expected):.1e}", f"{a.screen.tol:.1e}"
        else:
            err = tol = "-"
        t.add_row(layer, f"d{a.name} {shape_text(a.shape)}",
                  text("tour.check.ok" if a.ok else "tour.check.bad", lang), err, tol)

    for v in reversed(result.layers):  # backward order, as the gradient flows
        if v.result is None:
            t.add_row(v.name, "-", text("tour.check.bad", lang), v.error or "-", "")
            continue
        for a in v.result.args:
            add(v.name, a)
    for a in (result.end_to_end.args if result.end_to_end is not None else ()):
        add(text("cnn.col.end_to_end", lang), a)
    return t


def screen_backward(data, lang, width):
    c, c28 = data.check8, data.check28
    s = data.softmax
    first = c.result.first_wrong or text("cnn.none", lang)
    return _gap(_title("cnn.s3.title", lang), _para("cnn.s3.intro", lang, label=data.label),
                _para("cnn.s3.softmax", lang),
                Text(f"p           = {_vector(c.p)}\np - onehot  = {_vector(c.p - c.onehot)}\n"
                     f"backprop db = {_vector(c.delta)}"),
                _para("cnn.s3.proof", lang), rules_table([s.rule], lang, s.derivation),
                rules_table([s.forgot], lang, s.derivation, pitfalls=True),
                _para("cnn.s3.dense", lang),
                _para("cnn.s3.pool", lang, shape=shape_text(c.pool_in), routed=c.pool_routed,
                      total=int(np.prod(c.pool_in)), windows=c.pool_windows),
                _para("cnn.s3.conv", lang, positions=c.conv_positions),
                _para("cnn.s3.check", lang, side=c.side, label=data.label, first=first),
                verdict_rows(c.result, lang),
                _para("cnn.s3.check28", lang,
                      verdict=text("tour.check.ok" if c28.result.ok else "tour.check.bad", lang)),
                verdict_rows(c28.result, lang))


def screen_training(data, lang, width):
    items = [_title("cnn.s4.title", lang)]
    r = data.run
    if r is None:
        return _gap(*items, install_hint(lang), _para("cnn.s4.skipped", lang))
    window = 100
    plot = chart(running_mean(r.losses, window), width=max(10, min(width - 8, 72)), height=8)
    items += [_para("cnn.s4.intro", lang, n=len(r.losses), lr=data.learn_rate, held=r.held),
              Text(text("cnn.s4.plot", lang, window=window, n=len(r.losses)), style="bold"),
              Text("\n".join(plot)),
              Text(text("cnn.s4.before", lang, loss=f"{r.before:.4f}", acc=f"{r.acc_before:.1%}") + "\n"
                   + text("cnn.s4.after", lang, loss=f"{r.after:.4f}", acc=f"{r.acc_after:.1%}")),
              _para("cnn.s4.next", lang)]
    return _gap(*items)


SCREENS = (screen_shapes, screen_untrained, screen_backward, screen_training)
