r"""What a check returns (``CheckResult``, ``Note``) and the reading of a backward's raw result, shared by
``checker.check`` (the public API) and ``checker.engine`` (the differencing loop), so neither imports the other.

>>> read_grads((np.zeros(2),), ["x"], [(3,)])[1]
['gradient of x has shape (2,), input has (3,)']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from checker.messages import sentence
from checker.verdict import ArgResult, distinct

EPS32 = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class Note:
    """Something the check did or found, as a text key (see checker/messages.py) with its fields."""

    key: str
    fields: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        """The key with its fields, for logs and tests: 'note.mutated(function=forward, arg=x)'."""
        return self.key + ("(" + ", ".join(f"{k}={v}" for k, v in self.fields) + ")" if self.fields else "")

    def sentence(self, lang: str | None = None) -> str:
        """The note as a sentence for people (``checker.messages``: the checker's sentences)."""
        return sentence(self.key, lang, **dict(self.fields))


@dataclass(frozen=True)
class CheckResult:
    """Per-argument verdicts of one check, plus what was done to reach them."""

    ok: bool
    mode: str
    args: tuple[ArgResult, ...]
    notes: tuple[Note, ...] = ()
    calls: int = 0
    seconds: float = 0.0
    directional: tuple[float, float, float] | None = None  # (backward, numeric, tol) in directional mode

    def __getitem__(self, name: str) -> ArgResult:
        for a in self.args:
            if a.name == name:
                return a
        raise KeyError(f"no argument {name!r}; known: {', '.join(a.name for a in self.args)}")

    def summary(self) -> str:
        """One readable paragraph: the verdict and, when wrong, the worst element of each wrong argument.

        Every sentence comes from ``checker.messages`` (``GRADPROOF_LANG`` picks the language)."""
        lines = [sentence("summary.ok" if self.ok else "summary.bad", mode=self.mode)]
        mutated = [n for n in self.notes if n.key == "note.mutated"]
        if not self.ok and mutated and self.args and all(a.ok for a in self.args):
            # the gradients are right; what fails is the side effect, and the first line must say which
            lines = [sentence("summary.mutated", mode=self.mode, what="; ".join(n.sentence() for n in mutated))]
        for a in self.args:
            if a.problem:
                lines.append(f"  d{a.name}: {a.problem}")
            elif not a.ok and a.worst is not None:
                pats = [sentence(f"pattern.{k}", v=v) for k, _, v in (p.partition(":") for p in a.patterns)]
                pat = "; " + sentence("summary.pattern", patterns="; ".join(pats)) if pats else ""
                off = sentence("summary.off", n=a.n_failed, total=int(np.prod(a.shape)))
                lines.append(f"  {a.worst.line()}; {off}{pat}")
            for t in a.ties:
                if not t.ok:
                    gs, ns = distinct(t.got, t.expected)
                    lines.append("  " + sentence("check.tie_line", arg=a.name, n=len(t.members),
                                              first=", ".join(map(str, t.members[0])), got=gs, num=ns,
                                              tol=f"{t.tol:.1g}"))
                    lines.append("    " + sentence("pattern.ties-whole" if t.whole else "pattern.ties-sum"))
        if self.directional is not None and not self.ok:
            g, n, t = self.directional
            gs, ns = distinct(g, n)  # a failure whose two numbers print alike would read as a contradiction
            lines.append("  " + sentence("check.directional", got=gs, num=ns, tol=f"{t:.1g}"))
        lines += ["  " + sentence("summary.note", note=n.sentence()) for n in self.notes]
        return "\n".join(lines)


def read_grads(raw, names, shapes) -> tuple[list, list[str | None]]:
    """The backward's result as one array per input, or a problem text per input."""
    if isinstance(raw, np.ndarray) or np.isscalar(raw):
        raw = (raw,)
    try:
        raw = list(raw)
    except TypeError:
        return [None] * len(names), [f"backward returned {type(raw).__name__}, not a tuple of arrays"] * len(names)
    if len(raw) != len(names):
        msg = f"backward returned {len(raw)} gradients for {len(names)} inputs"
        return [None] * len(names), [msg] * len(names)
    out, problems = [], []
    for n, g, shape in zip(names, raw, shapes):
        try:
            g = np.asarray(g, dtype=np.float64)
        except (TypeError, ValueError):
            out.append(None), problems.append(f"gradient of {n} is {type(g).__name__}, not an array")
            continue
        if g.shape != tuple(shape):
            out.append(None), problems.append(f"gradient of {n} has shape {g.shape}, input has {tuple(shape)}")
        elif not np.all(np.isfinite(g)):
            out.append(None), problems.append(f"gradient of {n} holds NaN or inf")
        else:
            out.append(g), problems.append(None)
    return out, problems


def note_mutations(fn_name, before, after, names, notes):
    hit = [n for n, a, b in zip(names, before, after) if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)]
    for n in hit:
        notes.append(Note("note.mutated", (("function", fn_name), ("arg", n))))
    return bool(hit)
