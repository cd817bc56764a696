r"""The words around a derivation that every output shares: rule marks, notes, counterexamples, headings.

A leaf module (it imports only the i18n tables and rich's text measures): the terminal view
(:mod:`presentation.derive`) and the documents (:mod:`presentation.export`, :mod:`presentation.handout`)
both read it, and neither imports the other's internals.

>>> rule_mark(True, "en"), rule_mark(False, "zh")
('✓ proved', '✗ 不成立')
"""
from __future__ import annotations

import re

from rich.cells import cell_len
from rich.measure import Measurement
from rich.text import Text

from .i18n import text


def rule_mark(holds: bool, lang: str = "en", *, pitfall: bool = False, tie_verdict: str | None = None) -> str:
    """The mark a rule gets: proved (✓) or rejected (✗).

    A classic mistake that happens to agree with the exact derivative at these shapes or values (a 1x1
    kernel is its own rotation; no cell is the maximum of two windows) is not "proved": it is only not
    refuted here, and says so. A tie or kink rule that differs from our convention but is still a valid
    subgradient (``tie_verdict == 'subgradient'``) is not "rejected" either.
    """
    return text(MARK_KEYS[rule_state(holds, pitfall=pitfall, tie_verdict=tie_verdict)], lang)


#: The text of each rule state (literal keys, so the i18n completeness test can find them).
MARK_KEYS = {"proved": "mark.proved", "rejected": "mark.rejected", "not_refuted": "mark.not_refuted",
             "differs": "mark.differs"}
#: The colour of each state in the terminal.
MARK_STYLES = {"proved": "green", "rejected": "red", "not_refuted": "yellow", "differs": "yellow"}


def rule_state(holds: bool, *, pitfall: bool = False, tie_verdict: str | None = None) -> str:
    """'proved', 'rejected', 'not_refuted' (a mistake these values do not expose) or 'differs' (a valid
    subgradient other than our tie convention): each output maps it to its own mark, so no renderer has to
    read the state back out of translated text.

    >>> rule_state(True), rule_state(False, pitfall=True), rule_state(True, pitfall=True)
    ('proved', 'rejected', 'not_refuted')
    >>> rule_state(False, pitfall=True, tie_verdict="subgradient")
    'differs'
    """
    if pitfall and holds:
        return "not_refuted"
    if not holds and tie_verdict == "subgradient":
        return "differs"
    return "proved" if holds else "rejected"


def param_label(name: str, lang: str = "en") -> str:
    """A parameter's name for a table: the API name, with its translation before it where there is one.

    >>> param_label("stride", "en"), param_label("stride", "zh")
    ('stride', '步长 stride')
    """
    key = f"param.{name}"
    word = text(key, lang)
    return name if word in (key, name) else f"{word} {name}"


def shape_text(v) -> str:
    """Parameter values as learners write them: shapes as 5x5, everything else as is.

    >>> shape_text((2, 3, 8, 8)), shape_text(2), shape_text(True)
    ('2x3x8x8', '2', 'True')
    """
    if isinstance(v, (tuple, list)) and v and all(isinstance(e, int) for e in v):
        return "x".join(map(str, v))
    return str(v)


def rule_note(name: str, lang: str = "en") -> str:
    """What a rule means, in words, in the reader's language ('' when there is no note for it).

    >>> rule_note("assign_not_add", "en")[:24]
    "'=' instead of '+=': wro"
    """
    key = f"rule.note.{name}"
    note = text(key, lang)
    return "" if note == key else note


def counterexample_text(cx, lang: str, derivation=None) -> str:
    """The first wrong entry, named by its symbol when the derivation has it (A24 rather than A[1, 3]);
    a rule whose result has another shape than the gradient (empty index) says that in words."""
    if not cx.index:
        return text("rule.shape_mismatch", lang, grad=cx.grad, expected=shape_text(tuple(int(v) for v in cx.expected)),
                    got=shape_text(tuple(int(v) for v in cx.got)))
    label = f"{cx.grad}{list(cx.index)}"
    if derivation is not None and cx.grad in derivation.symbols and cx.index:
        try:
            label = str(derivation.symbols[cx.grad][cx.index])
        except (IndexError, ValueError):
            pass
    return text("rule.counterexample", lang, grad="∂L/∂", index=label, expected=cx.expected, got=cx.got)


def section_heading(key: str, d, lang: str) -> str:
    """'Forward: every output entry' or 'Backward: gradients of L = Σ G·B', in the derivation's own names."""
    if key == "forward":
        return text("derive.forward", lang)
    if d.op == "softmax-ce":  # its grads are of the loss -ln p[label], not of Σ dout·p
        return text("softmax.grads", lang, label=d.params["label"])
    return text("derive.grads", lang, upstream=d.names.get("upstream", "G"), output=d.names.get("output", "B"))


def general_note_key(d) -> str:
    """The footer of the general formulas: max pooling pads with -∞ (never a maximum), the rest with 0."""
    return {"max-pool": "derive.general_note_max", "softmax-ce": "softmax.general_note"}.get(d.op, "derive.general_note")


def pairs_text(meeting, fmt=str) -> tuple[str, str]:
    """One association row's kernel entries and output entries, each list joined with commas."""
    return ", ".join(fmt(k) for k, _ in meeting.pairs), ", ".join(fmt(o) for _, o in meeting.pairs)


_DIGITS = re.compile(r"(\d+)")


def natural_key(term) -> list:
    """A term's sort key with the numbers in its names read as numbers (A_1_6 before A_1_10); a sign
    does not move a term.

    >>> sorted(["A_1_10", "A_1_6", "-A_1_7"], key=natural_key)
    ['A_1_6', '-A_1_7', 'A_1_10']
    """
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(str(term).lstrip("-"))]


def ordered_terms(expr) -> list:
    """The terms of a sum in natural order (SymPy orders names as strings: A_1_10 before A_1_6)."""
    import sympy  # start-up time: SymPy takes about a second to load

    return sorted(sympy.Add.make_args(expr), key=natural_key) if isinstance(expr, sympy.Add) else [expr]


def sum_text(terms, fmt=str) -> str:
    """Terms joined with + and -, each written by ``fmt`` (``str``, ``sympy.latex``, ...).

    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> sum_text([a, -b])
    'a - b'
    """
    out = []
    for i, t in enumerate(terms):
        piece = fmt(t)
        if i and piece.startswith("-"):
            out.append(" - " + piece[1:].lstrip())
        else:
            out.append((" + " if i else "") + piece)
    return "".join(out)


# CJK characters (and their full-width punctuation) may break anywhere; other text breaks at spaces.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")
_NO_LINE_START = set("，。、；：？！）》」』,.;:?!)")


def fill(s: str, width: int) -> list[str]:
    """``s`` cut into lines of at most ``width`` display cells: between any two CJK characters (Chinese
    has no spaces to wrap at) or at spaces, never before closing punctuation; a word longer than the width
    is folded.

    >>> fill("前向传播：每个输出元素", 8)
    ['前向传', '播：每个', '输出元素']
    >>> fill("one two three", 7)
    ['one two', 'three']
    """
    width = max(width, 2)
    lines, cur = [], []
    for tok in _TOKENS.findall(s):
        if tok.isspace():
            if cur:
                cur.append(" ")
            continue
        while cell_len(tok) > width:  # a word wider than the line: fold it
            if cur:
                lines.append("".join(cur).rstrip())
                cur = []
            cut = next(k for k in range(len(tok), 0, -1) if cell_len(tok[:k]) <= width)
            lines.append(tok[:cut])
            tok = tok[cut:]
        if cell_len("".join(cur) + tok) > width and cur:
            carry = []
            if tok in _NO_LINE_START and len(cur) > 1:  # keep the punctuation with the character before it
                carry = [cur.pop()]
            lines.append("".join(cur).rstrip())
            cur = carry
        cur.append(tok)
    if cur:
        lines.append("".join(cur).rstrip())
    return lines


class Filled:
    """A paragraph that :func:`fill` wraps to whatever width rich gives it (a screen, a table cell)."""

    def __init__(self, s: str, style: str = ""):
        self.s, self.style = s, style

    def __rich_console__(self, console, options):
        for line in fill(self.s, options.max_width):
            yield Text(line, style=self.style)

    def __rich_measure__(self, console, options):
        words = [t for t in _TOKENS.findall(self.s) if not t.isspace()] or [""]
        return Measurement(min(max(cell_len(w) for w in words), options.max_width),
                           min(cell_len(self.s), options.max_width))
