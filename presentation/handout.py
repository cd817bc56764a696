r"""What a handout holds, whatever its format: which entries are written out, how a long sum is cut, the
sections as (left-hand side, right-hand side) pairs, and the LaTeX pieces both Markdown and LaTeX set.

:mod:`presentation.export` writes these into a Markdown or LaTeX document.

>>> tex_escape("dx_full & 50%")
'dx\\_full \\& 50\\%'
>>> kept(9, 4), kept(400, 12), kept(400, None)
(9, 12, 400)
"""
from __future__ import annotations

from .derive_text import counterexample_text, ordered_terms, rule_state
from .general import GENERAL_LHS, shown_general, split_divisibility, tidy_indices
from .i18n import text


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
    import sympy  # start-up time: SymPy takes about a second to load

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


def kept(n: int, limit: int | None) -> int:
    """How many of an array's ``n`` entries a document writes out."""
    return n if limit is None or n <= DOC_FULL_ENTRIES else min(n, limit)


def entry_pairs(d, limit=None):
    """(section, pairs, left out) with (left-hand side LaTeX, right-hand side) for the forward and gradient
    entries, in order; a large array keeps its first ``limit`` entries (None: every entry)."""
    import sympy  # start-up time: SymPy takes about a second to load

    out_name = d.names.get("output", "out")
    sections = []
    lhs = d.symbols.get(out_name)
    fwd = sympy.flatten(d.forward.tolist()) if hasattr(d.forward, "tolist") else [d.forward]
    names = sympy.flatten(lhs.tolist()) if lhs is not None else [sympy.Symbol(out_name)] * len(fwd)
    k = kept(len(fwd), limit)
    sections.append(("forward", [(sympy.latex(n), v) for n, v in zip(names[:k], fwd[:k])], len(fwd) - k))
    grads, hidden = [], 0
    for g, arr in d.grads.items():
        syms = sympy.flatten(d.symbols[g].tolist()) if g in d.symbols else []
        vals = sympy.flatten(arr.tolist())
        k = kept(len(vals), limit)
        hidden += len(vals) - k
        for s, v in zip(syms[:k], vals[:k]):
            grads.append((r"\frac{\partial L}{\partial " + sympy.latex(s) + "}", v))
    sections.append(("grads", grads, hidden))
    return sections


#: A sum with more terms shows its first half and its length in a summarized handout (as on screen).
DOC_TERMS = 16


def shown_terms(v, limit):
    """(terms written out, terms left out): a long sum keeps its first half-dozen unless limit is None."""
    terms = ordered_terms(v)
    if limit is None or len(terms) <= DOC_TERMS:
        return terms, 0
    return terms[:DOC_TERMS // 2], len(terms) - DOC_TERMS // 2


def shape_rows(d):
    """(name, shape, entries) of every array: the handout's overview when large arrays are summarized."""
    rows = [(n, tuple(int(k) for k in a.shape), len(a)) for n, a in d.symbols.items()]
    rows += [(f"∂L/∂{g}", tuple(int(k) for k in a.shape), len(a)) for g, a in d.grads.items()]
    return rows


def summarized(d) -> bool:
    """Whether a handout with a ``limit`` sums this derivation up: some array has too many entries."""
    return any(len(a) > DOC_FULL_ENTRIES for a in (*d.symbols.values(), *d.grads.values()))


def matrices(d, limit=None):
    """(label, 2-D array) for every symbol array: 4-D ones slice by slice (x[0,1]), vectors as one row.

    A handout holds every slice; the terminal view shows only the first few.
    """
    for name, a in d.symbols.items():
        shape = tuple(a.shape)
        if kept(len(a), limit) < len(a):
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


def meets_key(d) -> str:
    """The association table's middle column: kernel entries for a convolution, window weights for pooling."""
    return "col.kernel" if "kernel" in d.names else "col.weight"


def general_tex(d, lang="en"):
    """(left-hand side, LaTeX body) per general formula; a stride's divisibility becomes a '\\text' note."""
    import sympy  # start-up time: SymPy takes about a second to load

    out = []
    for k, v in shown_general(d):
        body, conds = split_divisibility(v)
        # a formula given as text (pooling, full convolution) is set as text inside the display
        tex = sympy.latex(tidy_indices(body)) if not isinstance(body, str) else r"\text{" + tex_escape(body) + "}"
        for e, m in conds:
            tex += r", \quad \text{" + text("derive.general_divisible", lang, expr=sympy.sstr(e), m=m).strip() + "}"
        out.append((GENERAL_LHS.get(k, k), tex))
    return out


def rule_lines(d, rules, lang, *, pitfalls: bool):
    for r in rules:
        cx = "" if r.counterexample is None else counterexample_text(r.counterexample, lang, d)
        yield r, rule_state(r.holds, pitfall=pitfalls, tie_verdict=r.tie_verdict), text("rule.checked", lang, n=r.checked), cx


