r"""``derive network`` as a document (Markdown, LaTeX) and the new derivations' steps as JSON data.

The rows come from :mod:`presentation.derive_network`, so a handout says what the terminal says. JSON adds
each step's data (exact numbers as SymPy strings) to ``Derivation.to_dict``; a network's symbolic chain is left
out there: it is ``grads``, proved equal entry by entry.

>>> plain((1, {"a": None}))
[1, {'a': None}]
"""
from __future__ import annotations

from .derive_network import (NETWORK_PARAMS, backward_rows, forward_line, layer_rows, point_arrays, rule_rows,
                             shape_rows, untrained_line)
from .derive_text import MARK_KEYS, param_label, shape_text
from .handout import tex_escape
from .i18n import text

#: the ops whose JSON carries its steps' data (the others' steps hold nothing beyond to_dict)
STEP_DATA_OPS = ("dense", "flatten", "softmax-ce", "network")


def plain(v):
    """Step data as JSON data: arrays as {shape, entries}, expressions as strings, rules by their verdict,
    a reused derivation by its op."""
    if isinstance(v, dict) or hasattr(v, "items"):
        return {str(k): plain(x) for k, x in v.items() if k != "symbolic"}
    if hasattr(v, "_asdict"):
        return plain(v._asdict())
    if hasattr(v, "holds") and hasattr(v, "statement"):
        return {"name": v.name, "statement": v.statement, "holds": v.holds}
    if hasattr(v, "op") and hasattr(v, "steps"):
        return v.op
    if hasattr(v, "tolist") and hasattr(v, "shape"):
        return {"shape": [int(k) for k in v.shape], "entries": [str(e) for e in v.reshape(len(v)).tolist()]}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def steps_json(d) -> list:
    return [{"key": st.key, "data": plain(st.data)} for st in d.steps]


def _md_table(headers, rows) -> list[str]:
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(esc(c) for c in r) + " |" for r in rows), ""]


def network_markdown(d, lang: str = "en", limit: int | None = 6) -> str:
    """A Markdown handout of the network: the same sections as the terminal view."""
    cols = lambda *ks: [text(k, lang) for k in ks]  # noqa: E731
    out = [f"# {text('derive.title', lang, op=d.op)}", "", text("derive.doc_intro", lang), "",
           f"## {text('derive.params', lang)}", "", "| | |", "|---|---|"]
    out += [f"| {param_label(k, lang)} | {shape_text(d.params[k])} |" for k in NETWORK_PARAMS]
    out += ["", f"## {text('derive.steps', lang)}", ""] + [f"{i}. {text(st.key, lang)}" for i, st in enumerate(d.steps, 1)]
    out += ["", f"## {text('net.shapes', lang)}", ""] + _md_table(cols("net.col.layer", "net.col.output", "net.col.params"),
                                                                shape_rows(d, lang))
    out += [f"## {text('net.point', lang)}", ""]
    for name, rows in point_arrays(d):
        out += [f"**{name}**", ""] + _md_table([str(j + 1) for j in range(len(rows[0]))], rows)
    out += [f"## {text('net.forward', lang)}", "", forward_line(d, lang), "", untrained_line(d, lang), "",
            f"## {text('net.backward', lang)}", ""]
    out += _md_table(cols("net.col.delta", "net.col.layer", "net.col.formula", "net.col.value"),
                     [(f"`{a}`", b, f"`{c}`", v) for a, b, c, v in backward_rows(d, lang, limit)])
    out += [f"## {text('net.layers', lang)}", ""] + [f"- **{n}**: {m}" for n, m in layer_rows(d, lang)] + [""]
    for key, rules, pit in (("derive.rules", d.rules, False), ("derive.pitfalls", d.pitfalls, True)):
        out += [f"## {text(key, lang)}", ""]
        out += [f"- {text(MARK_KEYS[state], lang)} **{name}**: `{st}`" + (f" — {note}" if note else "") +
                (f"; {wit}" if wit else "") for state, name, st, note, wit in rule_rows(d, rules, lang, pitfalls=pit)]
        out.append("")
    return "\n".join(out)


def _tex_table(spec, headers, rows) -> list[str]:
    return [rf"\begin{{longtable}}{{{spec}}}", " & ".join(tex_escape(h) for h in headers) + r" \\ \hline",
            *(" & ".join(tex_escape(str(c)) for c in r) + r" \\" for r in rows), r"\end{longtable}"]


def network_latex(d, lang: str = "en", limit: int | None = 6) -> str:
    """A complete LaTeX document of the network (``pdflatex``; ``xelatex`` with ``ctexart`` for Chinese)."""
    cols = lambda *ks: [text(k, lang) for k in ks]  # noqa: E731
    sec = lambda key: rf"\subsection*{{{tex_escape(text(key, lang))}}}"  # noqa: E731
    cls = r"\documentclass{ctexart}" if lang == "zh" else r"\documentclass{article}"
    out = [cls, r"\usepackage{amsmath,amssymb}", r"\usepackage{longtable}", r"\usepackage[margin=2cm]{geometry}",
           r"\begin{document}", rf"\section*{{{tex_escape(text('derive.title', lang, op=d.op))}}}",
           tex_escape(text("derive.doc_intro", lang)), sec("derive.params"), r"\begin{tabular}{ll}"]
    out += [rf"{tex_escape(param_label(k, lang))} & {tex_escape(shape_text(d.params[k]))} \\" for k in NETWORK_PARAMS]
    out += [r"\end{tabular}", sec("derive.steps"), r"\begin{enumerate}"]
    out += [rf"\item {tex_escape(text(st.key, lang))}" for st in d.steps] + [r"\end{enumerate}", sec("net.shapes")]
    out += _tex_table("lll", cols("net.col.layer", "net.col.output", "net.col.params"), shape_rows(d, lang))
    out += [sec("net.point")]
    for name, rows in point_arrays(d):
        body = r" \\ ".join(" & ".join(_tex_number(v) for v in r) for r in rows)
        out.append(rf"\[ \texttt{{{tex_escape(name)}}} = \begin{{bmatrix}} {body} \end{{bmatrix}} \]")
    out += [sec("net.forward"), tex_escape(forward_line(d, lang)), "", tex_escape(untrained_line(d, lang)),
            sec("net.backward")]
    out += _tex_table("lllp{7cm}", cols("net.col.delta", "net.col.layer", "net.col.formula", "net.col.value"),
                      backward_rows(d, lang, limit))
    out += [sec("net.layers"), r"\begin{itemize}"]
    out += [rf"\item \textbf{{{tex_escape(n)}}}: {tex_escape(m)}" for n, m in layer_rows(d, lang)] + [r"\end{itemize}"]
    for key, rules, pit in (("derive.rules", d.rules, False), ("derive.pitfalls", d.pitfalls, True)):
        out += [sec(key), r"\begin{itemize}"]
        for state, name, st, note, wit in rule_rows(d, rules, lang, pitfalls=pit):
            line = rf"\item {tex_escape(text(MARK_KEYS[state], lang))} \textbf{{{tex_escape(name)}}}: \texttt{{{tex_escape(st)}}}"
            out.append(line + (rf" \textit{{{tex_escape(note)}}}" if note else "") + (f"; {tex_escape(wit)}" if wit else ""))
        out.append(r"\end{itemize}")
    out += [r"\end{document}", ""]
    return "\n".join(out)


def _tex_number(v: str) -> str:
    """An exact rational as LaTeX: -3/4 -> -\\frac{3}{4}."""
    sign, v = ("-", v[1:]) if v.startswith("-") else ("", v)
    return sign + (r"\frac{{{}}}{{{}}}".format(*v.split("/")) if "/" in v else v)
