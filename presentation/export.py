r"""A derivation as a complete document: Markdown or LaTeX for a handout, JSON for programs.

Formulas go through ``sympy.latex``; matrices become pipe tables (Markdown) or ``bmatrix`` (LaTeX). The
documents hold every entry, not the terminal's first few (what is kept is decided in
:mod:`presentation.handout`). Headings come from the i18n tables, so ``lang="zh"`` gives a Chinese handout
(the LaTeX one then uses the ``ctexart`` class, for XeLaTeX).

>>> md_table([[1, 2], [3, 4]]).splitlines()[2]
'| 1 | 2 |'
"""
from __future__ import annotations

import json

from .derive_text import MARK_KEYS, pairs_text, param_label, rule_note, section_heading, shape_text, sum_text
from .handout import (entry_pairs, general_tex, kept, matrices, meets_key, rule_lines, shape_rows, shown_terms,
                      summarized, tex_escape, tex_lines)
from .i18n import text
from .matrices import entry_text, rows_of
from .network_docs import STEP_DATA_OPS, network_latex, network_markdown, steps_json
from .derive_network import softmax_lines


def to_json(d, lang: str = "en") -> str:
    """``d.to_dict()`` as indented JSON (the same for every language: data, not prose)."""
    # Array shapes can hold SymPy integers (reshaped arrays do): write them as JSON numbers.
    data = d.to_dict()
    if d.op in STEP_DATA_OPS:  # their steps hold what the views show (the untrained loss, the backward table)
        data["steps"] = steps_json(d)
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain) + "\n"


def _plain(o):
    if getattr(o, "is_Integer", False):
        return int(o)
    raise TypeError(f"{type(o).__name__} is not JSON data")


def md_table(m) -> str:
    """A matrix as a Markdown pipe table; the header row numbers the columns from 1."""
    rows = rows_of(m)
    head = "| " + " | ".join(str(j + 1) for j in range(len(rows[0]))) + " |"
    rule = "|" + "---|" * len(rows[0])
    body = ["| " + " | ".join(entry_text(v).replace("|", "\\|") for v in r) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def to_markdown(d, lang: str = "en", limit: int | None = None) -> str:
    """A Markdown handout: parameters, the steps, symbol matrices, the formulas, the general formula, the
    rules. ``limit``: a large array keeps its first ``limit`` entries and a shape table sums it up."""
    from sympy import latex  # start-up time: SymPy takes about a second to load

    if d.op == "network":
        return network_markdown(d, lang, limit)
    out = [f"# {text('derive.title', lang, op=d.op)}", "", text("derive.doc_intro", lang), "",
           f"## {text('derive.params', lang)}", "", "| | |", "|---|---|"]
    out += [f"| {param_label(k, lang)} | {shape_text(v)} |" for k, v in d.params.items()]
    if d.steps:
        out += ["", f"## {text('derive.steps', lang)}", ""]
        out += [f"{i}. {text(st.key, lang)}" for i, st in enumerate(d.steps, 1)]
    if d.op == "softmax-ce":
        out += [""] + [f"- {s}" for s in softmax_lines(d, lang)]
    if limit is not None and summarized(d):
        out += ["", f"## {text('doc.shapes', lang)}", "", text("doc.summary", lang, n=limit), "",
                f"| {text('doc.col.array', lang)} | {text('doc.col.shape', lang)} | {text('doc.col.entries', lang)} |",
                "|---|---|---|"]
        out += [f"| {n} | {shape_text(sh)} | {k} |" for n, sh, k in shape_rows(d)]
    out += ["", f"## {text('derive.symbols', lang)}", ""]
    for label, m in matrices(d, limit):
        out += [f"**{label}**", "", md_table(m), ""]
    for key, pairs, hidden in entry_pairs(d, limit):
        title = section_heading(key, d, lang)
        out += [f"## {title}", ""]
        for lhs, rhs in pairs:
            shown, left = shown_terms(rhs, limit)
            more = rf" + \ldots$ {text('derive.terms', lang, n=len(shown) + left).lstrip('… ')}" if left else "$"
            out.append(f"- ${lhs} = {sum_text(shown, latex)}{more}")
        out += ([f"- {text('doc.more', lang, n=hidden)}"] if hidden else []) + [""]
    if d.general:
        out += [f"## {text('derive.general', lang)}", ""]
        out += [x for k, v in general_tex(d, lang) for x in (f"{k} =", "", f"$${v}$$", "")]
    if d.association:
        rows = d.association[:kept(len(d.association), limit)]
        out += [f"## {text('derive.association', lang)}", "",
                f"| {text('col.input', lang)} | {text(meets_key(d), lang)} | {text('col.output', lang)} |",
                "|---|---|---|"]
        out += ["| {} | {} | {} |".format(m.input, *pairs_text(m)) for m in rows]
        out += ([f"\n{text('doc.more', lang, n=len(d.association) - len(rows))}"] if len(rows) < len(d.association)
                else []) + [""]
    for key, rules in (("derive.rules", d.rules), ("derive.pitfalls", d.pitfalls)):
        if rules:
            out += [f"## {text(key, lang)}", ""]
            for r, state, checked, cx in rule_lines(d, rules, lang, pitfalls=key == "derive.pitfalls"):
                mark = text(MARK_KEYS[state], lang)
                note = rule_note(r.name, lang)
                out.append(f"- {mark} **{r.name}**: `{r.statement}`" + (f" — {note}" if note else "") +
                           f" ({checked})" + (f"; {cx}" if cx else ""))
            out.append("")
    return "\n".join(out)


def to_latex(d, lang: str = "en", limit: int | None = None) -> str:
    """A complete LaTeX document (``pdflatex`` for English, ``xelatex`` for Chinese); ``limit`` as in
    :func:`to_markdown`."""
    import sympy  # start-up time: SymPy takes about a second to load

    if d.op == "network":
        return network_latex(d, lang, limit)
    cls = r"\documentclass{ctexart}" if lang == "zh" else r"\documentclass{article}"
    out = [cls, r"\usepackage{amsmath,amssymb}", r"\usepackage{longtable}", r"\usepackage[margin=2cm]{geometry}",
           r"\allowdisplaybreaks", r"\begin{document}",
           rf"\section*{{{tex_escape(text('derive.title', lang, op=d.op))}}}", tex_escape(text("derive.doc_intro", lang)),
           rf"\subsection*{{{tex_escape(text('derive.params', lang))}}}", r"\begin{tabular}{ll}"]
    out += [rf"{tex_escape(param_label(k, lang))} & {tex_escape(shape_text(v))} \\" for k, v in d.params.items()]
    out += [r"\end{tabular}"]
    if d.steps:
        out += [rf"\subsection*{{{tex_escape(text('derive.steps', lang))}}}", r"\begin{enumerate}"]
        out += [rf"\item {tex_escape(text(st.key, lang))}" for st in d.steps] + [r"\end{enumerate}"]
    if d.op == "softmax-ce":
        out += [tex_escape(s) + r"\\" for s in softmax_lines(d, lang)]
    if limit is not None and summarized(d):
        out += [rf"\subsection*{{{tex_escape(text('doc.shapes', lang))}}}", tex_escape(text("doc.summary", lang, n=limit)),
                "", r"\begin{tabular}{lll}",
                rf"{tex_escape(text('doc.col.array', lang))} & {tex_escape(text('doc.col.shape', lang))} & "
                rf"{tex_escape(text('doc.col.entries', lang))} \\ \hline"]
        out += [rf"{tex_escape(n)} & {shape_text(sh)} & {k} \\" for n, sh, k in shape_rows(d)] + [r"\end{tabular}"]
    out += [rf"\subsection*{{{tex_escape(text('derive.symbols', lang))}}}"]
    mats = [f"{sympy.latex(sympy.Symbol(label))} = " + sympy.latex(sympy.Matrix(rows_of(m)), mat_str="bmatrix",
                                                                    mat_delim="")
            for label, m in matrices(d, limit)]
    out += [rf"\[ {m} \]" for m in mats]  # one display each: a row of matrices would run off the page
    for key, pairs, hidden in entry_pairs(d, limit):
        title = section_heading(key, d, lang)
        out += [rf"\subsection*{{{tex_escape(title)}}}", r"\begin{align*}"]
        for lhs, rhs in pairs:
            shown, left = shown_terms(rhs, limit)
            more = r" + \ldots \quad \text{(" + tex_escape(text('derive.terms', lang, n=len(shown) + left).lstrip('… ()')) \
                + ")}" if left else ""
            out.append(rf"{lhs} &= {tex_lines(sympy.Add(*shown, evaluate=False) if left else rhs)}{more} \\")
        out += [r"\end{align*}"] + ([tex_escape(text("doc.more", lang, n=hidden))] if hidden else [])
    if d.general:
        out += [rf"\subsection*{{{tex_escape(text('derive.general', lang))}}}"]
        out += [x for k, v in general_tex(d, lang) for x in (rf"\noindent {tex_escape(k)} =", rf"\[ {v} \]")]
    if d.association:
        out += [rf"\subsection*{{{tex_escape(text('derive.association', lang))}}}", r"\begin{longtable}{lp{6cm}p{6cm}}",
                rf"{tex_escape(text('col.input', lang))} & {tex_escape(text(meets_key(d), lang))} & "
                rf"{tex_escape(text('col.output', lang))} \\ \hline"]
        out += ["${}$ & ${}$ & ${}$ \\\\".format(sympy.latex(m.input), *pairs_text(m, sympy.latex))
                for m in d.association[:kept(len(d.association), limit)]]
        out += [r"\end{longtable}"]
    for key, rules in (("derive.rules", d.rules), ("derive.pitfalls", d.pitfalls)):
        if rules:
            out += [rf"\subsection*{{{tex_escape(text(key, lang))}}}", r"\begin{itemize}"]
            for r, state, checked, cx in rule_lines(d, rules, lang, pitfalls=key == "derive.pitfalls"):
                sym = {"proved": r"$\checkmark$", "rejected": r"$\times$", "not_refuted": r"$\sim$",
                       "differs": r"$\approx$"}[state]
                word = tex_escape(text(MARK_KEYS[state], lang).split(" ", 1)[-1])  # the word, without its symbol
                note = rule_note(r.name, lang)
                line = rf"\item {sym} {word} \textbf{{{tex_escape(r.name)}}}: \texttt{{{tex_escape(r.statement)}}} " \
                       + (rf"\textit{{{tex_escape(note)}}} " if note else "") + rf"({tex_escape(checked)})"
                out.append(line + (f"; {tex_escape(cx)}" if cx else ""))
            out += [r"\end{itemize}"]
    out += [r"\end{document}", ""]
    return "\n".join(out)
