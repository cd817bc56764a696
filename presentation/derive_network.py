r"""The whole network's derivations in words and tables: what ``derive network`` shows, and the softmax lines.

The rows here are plain strings, read off the derivation's steps (``derivations/network_steps.py``); the
terminal view below and the documents (:mod:`presentation.network_docs`) lay the same rows out. A network's
symbolic gradients are rational functions of exponentials hundreds of terms long: the view shows them as
numbers at the derivation's point, where max pooling's routing was fixed, and leaves the expressions to JSON.

>>> value_text([0.25, -1.0, 2.0, 3.5], limit=3)
'4: 0.25, -1, 2, … (4 in all)'
"""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .derive_text import MARK_KEYS, MARK_STYLES, Filled, param_label, rule_note, rule_state, shape_text
from .i18n import text
from .matrices import entry_text, labelled, matrix_table, side_by_side

#: the parameters a network's view lists (its ``shapes`` and ``values`` have sections of their own)
NETWORK_PARAMS = ("input_shape", "filters", "classes", "label")
#: entries of a gradient shown in the backward table unless every one is asked for (--all)
SHOWN_VALUES = 6


def _flat(a) -> list:
    rows = a.tolist() if hasattr(a, "tolist") else a
    if not isinstance(rows, list):
        return [rows]
    return [v for r in rows for v in _flat(r)]


def _shape(a) -> tuple:
    return tuple(int(k) for k in getattr(a, "shape", None) or (len(_flat(a)),))


def value_text(a, limit: int | None = SHOWN_VALUES) -> str:
    """An exact array as its shape and its first ``limit`` entries as floats (every entry: limit None)."""
    vals = [entry_text(float(v)) for v in _flat(a)]
    shown = vals if limit is None else vals[:limit]
    more = f", … ({len(vals)} in all)" if len(shown) < len(vals) else ""
    return f"{'x'.join(map(str, _shape(a)))}: {', '.join(shown)}{more}"


def steps_of(d) -> dict:
    return {st.key: st.data for st in d.steps}


def point(d) -> dict:
    """The network's point as a substitution {symbol: exact number}, from ``params['values']``."""
    import sympy  # start-up time: SymPy takes about a second to load (it is loaded by now: d is a derivation)

    return {s: sympy.Rational(v) for name, vals in d.params["values"].items()
            for s, v in zip(_flat(d.symbols[name]), vals)}


def point_arrays(d):
    """(label, rows of exact numbers as text) for each array of the point: filters one by one."""
    for name, vals in d.params["values"].items():
        shape = _shape(d.symbols[name])
        if len(shape) == 3:  # w1: one 3x3 matrix per filter
            n = shape[1] * shape[2]
            for f in range(shape[0]):
                chunk = vals[f * n:(f + 1) * n]
                yield f"{name}[{f}]", [chunk[r * shape[2]:(r + 1) * shape[2]] for r in range(shape[1])]
        elif len(shape) == 2:
            yield name, [vals[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]
        else:
            yield name, [vals]


def shape_rows(d, lang: str) -> list[tuple[str, str, str]]:
    """(layer, output shape, parameters) per layer and a total row."""
    s = steps_of(d)["network.shapes"]
    rows = [(layer.kind, shape_text(tuple(layer.output)), str(layer.params)) for layer in s["layers"]]
    return [("input", shape_text(tuple(s["input_shape"])), "0"), *rows, (text("net.total", lang), "", str(s["params"]))]


def forward_line(d, lang: str) -> str:
    s = steps_of(d)["network.forward"]
    v = s["values"]
    nums = lambda a: ", ".join(entry_text(float(x)) for x in _flat(a))  # noqa: E731
    return text("net.forward_line", lang, z=shape_text(_shape(v["Z"])), p=shape_text(_shape(v["P"])),
                f=shape_text(_shape(v["flatten"])), logits=nums(v["logits"]), probs=nums(v["p"]),
                label=s["label"], loss=float(v["loss"]))


def untrained_line(d, lang: str) -> str:
    u = steps_of(d)["network.untrained"]
    return text("net.untrained", lang, m=u["classes"], value=u["value"], at=u["at_point_value"])


def backward_rows(d, lang: str, limit: int | None = SHOWN_VALUES) -> list[tuple[str, str, str, str]]:
    """(gradient, layer, formula, value at the point) in the order the backward pass meets them."""
    b = steps_of(d)["network.backward"]
    return [(name, layer, text(f"net.formula.{name}", lang), value_text(b["values"][name], limit))
            for name, layer, _ in b["order"]]


def layer_rows(d, lang: str) -> list[tuple[str, str]]:
    """(layer, its own rules and mistakes, each with its mark's symbol) for the reused derivations."""
    out = []
    for name, sub in steps_of(d)["network.layers"].items():
        marks = [f"{text(MARK_KEYS[rule_state(r.holds, pitfall=p, tie_verdict=r.tie_verdict)], lang)[0]} {r.name}"
                 for rules, p in ((sub.rules, False), (sub.pitfalls, True)) for r in rules]
        out.append((name, ", ".join(marks)))
    return out


def witness(d, r, lang: str) -> str:
    """A refuted chain's first wrong entry with both values at the point (the expressions run to pages)."""
    cx = r.counterexample
    pt = point(d)
    return text("net.witness", lang, name=str(d.symbols[cx.grad][cx.index]),
                expected=float(cx.expected.xreplace(pt)), got=float(cx.got.xreplace(pt)))


def rule_rows(d, rules, lang: str, *, pitfalls: bool = False) -> list[tuple[str, str, str, str, str]]:
    """(state, name, statement, note, witness or '') per rule."""
    return [(rule_state(r.holds, pitfall=pitfalls, tie_verdict=r.tie_verdict), r.name, r.statement,
             rule_note(r.name, lang), witness(d, r, lang) if r.counterexample is not None else "") for r in rules]


def softmax_lines(d, lang: str) -> list[str]:
    """The untrained loss ln M and, with --values, the probabilities, loss and delta there."""
    s = steps_of(d)
    u = s["softmax.uniform"]
    out = [text("softmax.uniform_line", lang, m=u["classes"], value=u["value"])]
    if "softmax.values" in s:
        v = s["softmax.values"]
        nums = lambda a: ", ".join(entry_text(float(x)) for x in _flat(a))  # noqa: E731
        out.append(text("softmax.values_line", lang, logits=nums(v["logits"]), probs=nums(v["probabilities"]),
                        loss=float(v["loss"]), grad=nums(v["grad"])))
    return out


def _table(headers, rows, *, whole: int = 2) -> Table:
    """A table whose first ``whole`` columns (names) never wrap; the others fold."""
    t = Table(box=box.SIMPLE_HEAD, padding=(0, 1), expand=False)
    for i, h in enumerate(headers):
        t.add_column(h, no_wrap=i < whole, overflow="fold")
    for r in rows:
        t.add_row(*r)
    return t


def _rules(d, rules, lang, *, pitfalls=False) -> Table:
    t = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    t.add_column(no_wrap=True)
    t.add_column(overflow="fold")
    for state, name, statement, note, wit in rule_rows(d, rules, lang, pitfalls=pitfalls):
        body = [Text(name, style="bold"), Text(statement)] + ([Filled(note, style="italic")] if note else [])
        t.add_row(Text(text(MARK_KEYS[state], lang), style=MARK_STYLES[state]), Group(*body, *([Text(wit)] if wit else [])))
    return t


def network_view(d, lang: str = "en", *, limit: int | None = SHOWN_VALUES) -> Group:
    """Every section of ``derive network`` as one rich renderable."""
    params = Table(box=None, show_header=False, padding=(0, 1))
    for k in NETWORK_PARAMS:
        params.add_row(param_label(k, lang), shape_text(d.params[k]))
    parts = [Text(text("derive.title", lang, op=d.op), style="bold underline"),
             labelled(text("derive.params", lang), params),
             labelled(text("derive.steps", lang), Group(*(Filled(f"{i}. {text(st.key, lang)}")
                                                         for i, st in enumerate(d.steps, 1)))),
             labelled(text("net.shapes", lang), _table([text(k, lang) for k in ("net.col.layer", "net.col.output",
                                                                                  "net.col.params")], shape_rows(d, lang))),
             labelled(text("net.point", lang), side_by_side(*(labelled(n, matrix_table(m)) for n, m in point_arrays(d)))),
             labelled(text("net.forward", lang), Group(Filled(forward_line(d, lang)), Filled(untrained_line(d, lang)))),
             labelled(text("net.backward", lang),
                      _table([text(k, lang) for k in ("net.col.delta", "net.col.layer", "net.col.formula", "net.col.value")],
                             backward_rows(d, lang, limit))),
             labelled(text("net.layers", lang), _table([text("net.col.layer", lang), ""], layer_rows(d, lang), whole=1)),
             labelled(text("derive.rules", lang), _rules(d, d.rules, lang)),
             labelled(text("derive.pitfalls", lang), _rules(d, d.pitfalls, lang, pitfalls=True))]
    return Group(*(x for p in parts for x in (p, Text(""))))
