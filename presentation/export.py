r"""A derivation as a complete document: Markdown or LaTeX for a handout, JSON for programs.

Formulas go through ``sympy.latex``; matrices become pipe tables (Markdown) or ``bmatrix`` (LaTeX). The
documents hold every entry, not the terminal's first few. Headings come from the i18n tables, so
``lang="zh"`` gives a Chinese handout (the LaTeX one then uses the ``ctexart`` class, for XeLaTeX).

>>> md_table([[1, 2], [3, 4]]).splitlines()[2]
'| 1 | 2 |'
>>> tex_escape("dx_full & 50%")
'dx\\_full \\& 50\\%'
"""
from __future__ import annotations

import json

from .derive_text import MARK_KEYS, ordered_terms, param_label, sum_text, counterexample_text, pairs_text, rule_note, rule_state, section_heading, shape_text
from .general import GENERAL_LHS, shown_general, split_divisibility, tidy_indices
from .i18n import text
from .matrices import entry_text, rows_of


def to_json(d, lang: str = "en") -> str:
    """``d.to_dict()`` as indented JSON (the same for every language: data, not prose)."""
    # Array shapes can hold SymPy integers (reshaped arrays do): write them as JSON numbers.
    return json.dumps(d.to_dict(), ensure_ascii=False, indent=2, default=_plain) + "\n"


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


def tex_escape(s: str) -> str:
    """Plain text made safe for LaTeX (rule statements contain _ and sometimes & or %)."""
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("~", r"\~{}")):
        s = s.replace(a, b) if a != "\\" else s.replace(a, "\x00")
    s = s.replace("\x00", r"\textbackslash{}")
    # pdflatex has no glyphs for these: typeset them as maths instead.
    for a, b in (("∂", r"$\partial$"), ("Σ", r"$\Sigma$"), ("·", r"$\cdot$"), ("…", r"\ldots{}"),
                 ("✓", r"$\checkmark$"), ("✗", r"$\times$"), ("≈", r"$\approx$"), ("∞", r"$\infty$"),
                 ("²", r"$^2$"), ("≤", r"$\leq$"), ("≥", r"$\geq$"), ("×", r"$\times$"), ("⋅", r"$\cdot$"),
                 ("—", "---"), ("−", "-"), ("→", r"$\to$"), ("λ", r"$\lambda$"), ("σ", r"$\sigma$")):
        s = s.replace(a, b)
    return s


def tex_lines(v, per_line: int = 5) -> str:
    r"""A long sum as several aligned lines (a 3x3 kernel gives nine terms: too wide for one line).

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> print(tex_lines(a - b, per_line=1))
    a \\ &\quad - b
    """
    import sympy

    terms = ordered_terms(v)
    chunks = []
    for i, t in enumerate(terms):
        piece = sympy.latex(t)
        sign = "" if i == 0 else (" - " if piece.startswith("-") else " + ")
        piece = piece[1:].lstrip() if (i and piece.startswith("-")) else piece
        if i and i % per_line == 0:
            chunks.append(r" \\ &\quad" + sign.rstrip() + " " + piece)
        else:
            chunks.append(sign + piece)
    return "".join(chunks)


#: An array with more entries than this is summarized in a handout (its first entries, its shape) unless
#: every entry is asked for (--all): a 28x28 convolution written out is a megabyte no one reads.
DOC_FULL_ENTRIES = 100


def _cap(n: int, limit: int | None) -> int:
    """How many of an array's ``n`` entries a document writes out."""
    return n if limit is None or n <= DOC_FULL_ENTRIES else min(n, limit)


def _pairs(d, limit=None):
    """(section, pairs, left out) with (left-hand side LaTeX, right-hand side) for the forward and gradient
    entries, in order; a large array keeps its first ``limit`` entries (None: every entry)."""
    import sympy

    out_name = d.names.get("output", "out")
    sections = []
    lhs = d.symbols.get(out_name)
    fwd = sympy.flatten(d.forward.tolist()) if hasattr(d.forward, "tolist") else [d.forward]
    names = sympy.flatten(lhs.tolist()) if lhs is not None else [sympy.Symbol(out_name)] * len(fwd)
    k = _cap(len(fwd), limit)
    sections.append(("forward", [(sympy.latex(n), v) for n, v in zip(names[:k], fwd[:k])], len(fwd) - k))
    grads, hidden = [], 0
    for g, arr in d.grads.items():
        syms = sympy.flatten(d.symbols[g].tolist()) if g in d.symbols else []
        vals = sympy.flatten(arr.tolist())
        k = _cap(len(vals), limit)
        hidden += len(vals) - k
        for s, v in zip(syms[:k], vals[:k]):
            grads.append((r"\frac{\partial L}{\partial " + sympy.latex(s) + "}", v))
    sections.append(("grads", grads, hidden))
    return sections


#: A longer sum shows its first terms and its length in a summarized handout (as in the terminal).
DOC_MAX_TERMS = 16


def _terms(v, limit):
    """(terms written out, terms left out): a long sum keeps its first half-dozen unless limit is None."""
    terms = ordered_terms(v)
    if limit is None or len(terms) <= DOC_MAX_TERMS:
        return terms, 0
    return terms[:DOC_MAX_TERMS // 2], len(terms) - DOC_MAX_TERMS // 2


def _shapes(d):
    """(name, shape, entries) of every array: the handout's overview when large arrays are summarized."""
    rows = [(n, tuple(int(k) for k in a.shape), len(a)) for n, a in d.symbols.items()]
    rows += [(f"∂L/∂{g}", tuple(int(k) for k in a.shape), len(a)) for g, a in d.grads.items()]
    return rows


def _big(d) -> bool:
    return any(len(a) > DOC_FULL_ENTRIES for a in (*d.symbols.values(), *d.grads.values()))


def _matrices(d, limit=None):
    """(label, 2-D array) for every symbol array: 4-D ones slice by slice (x[0,1]), vectors as one row.

    A handout holds every slice; the terminal view shows only the first few.
    """
    for name, a in d.symbols.items():
        shape = tuple(a.shape)
        if _cap(len(a), limit) < len(a):
            continue  # listed in the shape table instead
        if len(shape) == 4:
            for n in range(shape[0]):
                for c in range(shape[1]):
                    yield f"{name}[{n},{c}]", a[n, c, :, :]
        elif len(shape) == 3:
            for c in range(shape[0]):
                yield f"{name}: channel {c + 1}", a[c, :, :]
        elif len(shape) <= 2:
            yield name, a


def _meets(d) -> str:
    """The association table's middle column: kernel entries for a convolution, window weights for pooling."""
    return "col.kernel" if "kernel" in d.names else "col.weight"


def _general(d, lang="en"):
    """(left-hand side, LaTeX body) per general formula; a stride's divisibility becomes a '\\text' note."""
    import sympy

    out = []
    for k, v in shown_general(d):
        body, conds = split_divisibility(v)
        # a formula given as text (pooling, full convolution) is set as text inside the display
        tex = sympy.latex(tidy_indices(body)) if not isinstance(body, str) else r"\text{" + tex_escape(body) + "}"
        for e, m in conds:
            tex += r", \quad \text{" + text("derive.general_divisible", lang, expr=sympy.sstr(e), m=m).strip() + "}"
        out.append((GENERAL_LHS.get(k, k), tex))
    return out


def _rule_lines(d, rules, lang, *, pitfalls: bool):
    for r in rules:
        cx = "" if r.counterexample is None else counterexample_text(r.counterexample, lang, d)
        yield r, rule_state(r.holds, pitfall=pitfalls, tie_verdict=r.tie_verdict), text("rule.checked", lang, n=r.checked), cx


def to_markdown(d, lang: str = "en", limit: int | None = None) -> str:
    """A Markdown handout: parameters, the steps, symbol matrices, the formulas, the general formula, the
    rules. ``limit``: a large array keeps its first ``limit`` entries and a shape table sums it up."""
    from sympy import latex

    out = [f"# {text('derive.title', lang, op=d.op)}", "", text("derive.doc_intro", lang), "",
           f"## {text('derive.params', lang)}", "", "| | |", "|---|---|"]
    out += [f"| {param_label(k, lang)} | {shape_text(v)} |" for k, v in d.params.items()]
    if d.steps:
        out += ["", f"## {text('derive.steps', lang)}", ""]
        out += [f"{i}. {text(st.key, lang)}" for i, st in enumerate(d.steps, 1)]
    summarized = limit is not None and _big(d)
    if summarized:
        out += ["", f"## {text('doc.shapes', lang)}", "", text("doc.summary", lang, n=limit), "",
                f"| {text('doc.col.array', lang)} | {text('doc.col.shape', lang)} | {text('doc.col.entries', lang)} |",
                "|---|---|---|"]
        out += [f"| {n} | {shape_text(sh)} | {k} |" for n, sh, k in _shapes(d)]
    out += ["", f"## {text('derive.symbols', lang)}", ""]
    for label, m in _matrices(d, limit):
        out += [f"**{label}**", "", md_table(m), ""]
    for key, pairs, hidden in _pairs(d, limit):
        title = section_heading(key, d, lang)
        out += [f"## {title}", ""]
        for lhs, rhs in pairs:
            shown, left = _terms(rhs, limit)
            more = rf" + \ldots$ {text('derive.terms', lang, n=len(shown) + left).lstrip('… ')}" if left else "$"
            out.append(f"- ${lhs} = {sum_text(shown, latex)}{more}")
        out += ([f"- {text('doc.more', lang, n=hidden)}"] if hidden else []) + [""]
    if d.general:
        out += [f"## {text('derive.general', lang)}", ""]
        out += [x for k, v in _general(d, lang) for x in (f"{k} =", "", f"$${v}$$", "")]
    if d.association:
        rows = d.association[:_cap(len(d.association), limit)]
        out += [f"## {text('derive.association', lang)}", "",
                f"| {text('col.input', lang)} | {text(_meets(d), lang)} | {text('col.output', lang)} |",
                "|---|---|---|"]
        out += ["| {} | {} | {} |".format(m.input, *pairs_text(m)) for m in rows]
        out += ([f"\n{text('doc.more', lang, n=len(d.association) - len(rows))}"] if len(rows) < len(d.association)
                else []) + [""]
    for key, rules in (("derive.rules", d.rules), ("derive.pitfalls", d.pitfalls)):
        if rules:
            out += [f"## {text(key, lang)}", ""]
            for r, state, checked, cx in _rule_lines(d, rules, lang, pitfalls=key == "derive.pitfalls"):
                mark = text(MARK_KEYS[state], lang)
                note = rule_note(r.name, lang)
                out.append(f"- {mark} **{r.name}**: `{r.statement}`" + (f" — {note}" if note else "") +
                           f" ({checked})" + (f"; {cx}" if cx else ""))
            out.append("")
    return "\n".join(out)


def to_latex(d, lang: str = "en", limit: int | None = None) -> str:
    """A complete LaTeX document (``pdflatex`` for English, ``xelatex`` for Chinese); ``limit`` as in
    :func:`to_markdown`."""
    import sympy

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
    if limit is not None and _big(d):
        out += [rf"\subsection*{{{tex_escape(text('doc.shapes', lang))}}}", tex_escape(text("doc.summary", lang, n=limit)),
                "", r"\begin{tabular}{lll}",
                rf"{tex_escape(text('doc.col.array', lang))} & {tex_escape(text('doc.col.shape', lang))} & "
                rf"{tex_escape(text('doc.col.entries', lang))} \\ \hline"]
        out += [rf"{tex_escape(n)} & {shape_text(sh)} & {k} \\" for n, sh, k in _shapes(d)] + [r"\end{tabular}"]
    out += [rf"\subsection*{{{tex_escape(text('derive.symbols', lang))}}}"]
    mats = [f"{sympy.latex(sympy.Symbol(label))} = " + sympy.latex(sympy.Matrix(rows_of(m)), mat_str="bmatrix",
                                                                    mat_delim="")
            for label, m in _matrices(d, limit)]
    out += [rf"\[ {m} \]" for m in mats]  # one display each: a row of matrices would run off the page
    for key, pairs, hidden in _pairs(d, limit):
        title = section_heading(key, d, lang)
        out += [rf"\subsection*{{{tex_escape(title)}}}", r"\begin{align*}"]
        for lhs, rhs in pairs:
            shown, left = _terms(rhs, limit)
            more = r" + \ldots \quad \text{(" + tex_escape(text('derive.terms', lang, n=len(shown) + left).lstrip('… ()')) \
                + ")}" if left else ""
            out.append(rf"{lhs} &= {tex_lines(sympy.Add(*shown, evaluate=False) if left else rhs)}{more} \\")
        out += [r"\end{align*}"] + ([tex_escape(text("doc.more", lang, n=hidden))] if hidden else [])
    if d.general:
        out += [rf"\subsection*{{{tex_escape(text('derive.general', lang))}}}"]
        out += [x for k, v in _general(d, lang) for x in (rf"\noindent {tex_escape(k)} =", rf"\[ {v} \]")]
    if d.association:
        out += [rf"\subsection*{{{tex_escape(text('derive.association', lang))}}}", r"\begin{longtable}{lp{6cm}p{6cm}}",
                rf"{tex_escape(text('col.input', lang))} & {tex_escape(text(_meets(d), lang))} & "
                rf"{tex_escape(text('col.output', lang))} \\ \hline"]
        out += ["${}$ & ${}$ & ${}$ \\\\".format(sympy.latex(m.input), *pairs_text(m, sympy.latex))
                for m in d.association[:_cap(len(d.association), limit)]]
        out += [r"\end{longtable}"]
    for key, rules in (("derive.rules", d.rules), ("derive.pitfalls", d.pitfalls)):
        if rules:
            out += [rf"\subsection*{{{tex_escape(text(key, lang))}}}", r"\begin{itemize}"]
            for r, state, checked, cx in _rule_lines(d, rules, lang, pitfalls=key == "derive.pitfalls"):
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
