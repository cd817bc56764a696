r"""A small text format for a model (one layer per line, or comma-separated), its summary, and the notes' models.

Each layer is its kind and arguments: ``input 28x28x1``, ``conv 32 3x3``, ``conv 8 3x3 stride 2 pad 1``,
``conv 8 3x3 nobias``, ``conv_table lenet5-c3 5x5`` (or rows of input maps such as ``0.1.2/1.2.3``),
``maxpool 2``, ``meanpool 2 stride 1``, ``subsample 2``, ``flatten``, ``dense 64``, ``rbf 10``, any of them
with a name: ``... as C1``. ``#`` starts a comment. Every mistake raises GradproofError naming the layer and
the token. :func:`summary` reads the model with :func:`derivations.shapes.summarize`, the one count.

>>> m = parse("input 28x28x1, conv 32 3x3, maxpool 2, conv 64 3x3")
>>> summary(m).total, [r.params for r in summary(m).rows]
(18816, [320, 0, 18496])
>>> parse(write(m)) == m
True
"""
from __future__ import annotations

import os
from typing import NamedTuple

from ._validate import GradproofError, UnknownName
from .shapes import LENET5_C3_TABLE, summarize

__all__ = ["BUILTIN", "Model", "Row", "Summary", "load", "parse", "summary", "write"]

#: the tables a conv_table layer may name instead of writing its rows out
TABLES = {"lenet5-c3": LENET5_C3_TABLE}
#: how many positional arguments each kind takes, and the options (a word and one value, or a flag) it accepts
POSITIONAL = {"conv": 2, "conv_table": 2, "maxpool": 1, "meanpool": 1, "subsample": 1, "flatten": 0,
              "dense": 1, "rbf": 1}
OPTIONS = {"conv": ("stride", "pad", "nobias"), "conv_table": ("stride", "pad", "nobias"),
           "maxpool": ("stride",), "meanpool": ("stride",), "subsample": ("stride",)}

#: the course notes' models. keras: the Keras MNIST model whose summary the notes print (93,322 parameters).
#: notes-cnn: the numpy CNN the notes build (Conv3x3 has no bias; Softmax(13*13*8, 10) is flatten + dense).
#: lenet5: C1 156, S2 12 and C3 1516 as the notes count them; S4, C5, F6 and the RBF output as LeCun et al.
#: (1998) describe them (the notes stop at C3; the paper fixes the output's 840 RBF centres by hand).
BUILTIN = {
    "keras": "input 28x28x1, conv 32 3x3, maxpool 2, conv 64 3x3, maxpool 2, conv 64 3x3, flatten, dense 64, "
             "dense 10",
    "notes-cnn": "input 28x28x1, conv 8 3x3 nobias, maxpool 2, flatten, dense 10",
    "lenet5": "input 32x32x1, conv 6 5x5 as C1, subsample 2 as S2, conv_table lenet5-c3 5x5 as C3, "
              "subsample 2 as S4, conv 120 5x5 as C5, dense 84 as F6, rbf 10 as output",
}


class Model(NamedTuple):
    input_hwc: tuple[int, int, int]
    layers: tuple[tuple, ...]  # summarize's tuples, every default written out
    names: tuple[str | None, ...]  # a layer's name if the description gave one


class Row(NamedTuple):
    name: str
    kind: str
    output: tuple[int, ...]
    params: int


class Summary(NamedTuple):
    input_hwc: tuple[int, int, int]
    rows: tuple[Row, ...]
    total: int


def _sizes(where: str, what: str, token: str, parts: tuple[int, ...], *, low: int = 1) -> tuple[int, ...]:
    """'3x3' or '3' as a tuple of ``parts[-1]`` or fewer numbers, each >= ``low``; GradproofError otherwise."""
    try:
        nums = tuple(int(t) for t in token.lower().split("x"))
    except ValueError:
        nums = ()
    if len(nums) not in parts or any(n < low for n in nums):
        like = {(1,): "a whole number", (1, 2): "a whole number or a pair such as 3x3",
                (2, 3): "HxW or HxWxC such as 28x28x1"}[parts]
        raise GradproofError(f"{where}: {what} must be {like}, each >= {low}; got {token!r}")
    return nums


def _one(where, what, token, *, low=1):
    return _sizes(where, what, token, (1,), low=low)[0]


def _pair(where, what, token, *, low=1):
    n = _sizes(where, what, token, (1, 2), low=low)
    return n * 2 if len(n) == 1 else n


def _table(where: str, token: str) -> tuple[tuple[int, ...], ...]:
    if token in TABLES:
        return TABLES[token]
    try:
        return tuple(tuple(int(c) for c in row.split(".")) for row in token.split("/"))
    except ValueError:
        raise GradproofError(f"{where}: table must be {', '.join(TABLES)} or rows of input maps such as "
                             f"0.1/1.2, got {token!r}") from None


def _layer(where: str, kind: str, words: list[str]) -> tuple:
    """One layer's words after its kind as summarize's tuple, every default written out."""
    n = POSITIONAL[kind]
    args, options = words[:n], {}
    if len(args) < n:
        raise GradproofError(f"{where} takes {n} argument(s), got {len(args)}: {' '.join(words) or '(none)'!r}")
    rest = iter(words[n:])
    for word in rest:
        if word not in OPTIONS.get(kind, ()) or word in options:
            why = "repeated" if word in options else "unexpected"
            raise GradproofError(f"{where}: {why} word {word!r}; it takes {n} argument(s)"
                                 + (f" and {', '.join(OPTIONS[kind])}" if kind in OPTIONS else ""))
        options[word] = True if word == "nobias" else next(rest, None)
        if options[word] is None:
            raise GradproofError(f"{where}: {word!r} needs a value, e.g. {word} 2")
    if kind in ("conv", "conv_table"):
        head = _one(where, "filters", args[0]) if kind == "conv" else _table(where, args[0])
        return (kind, head, _pair(where, "kernel", args[1]), _pair(where, "stride", options.get("stride", "1")),
                _pair(where, "pad", options.get("pad", "0"), low=0), "nobias" not in options)
    if kind in ("maxpool", "meanpool", "subsample"):
        window = _pair(where, "window", args[0])
        return kind, window, _pair(where, "stride", options["stride"]) if "stride" in options else window
    if kind == "flatten":
        return (kind,)
    return kind, _one(where, "units", args[0])


def parse(text: str, *, source: str = "model") -> Model:
    """A model from its description: ``input HxWxC`` first, then one layer per line or comma-separated item.

    >>> parse("input 8x8, dense 3").layers
    (('dense', 3),)
    """
    items = [(line, item.strip()) for line, raw in enumerate(text.splitlines(), start=1)
             for item in raw.split("#", 1)[0].split(",") if item.strip()]
    if not items or items[0][1].split()[0].lower() != "input":
        first = repr(items[0][1]) if items else "nothing"
        raise GradproofError(f"{source}: must start with 'input HxWxC' (e.g. input 28x28x1), got {first}")
    words = items[0][1].split()
    if len(words) != 2:
        raise GradproofError(f"{source}: input takes one size such as 28x28x1, got {items[0][1]!r}")
    hwc = _sizes(f"{source}: input", "size", words[1], (2, 3))
    layers, names = [], []
    for n, (line, item) in enumerate(items[1:], start=1):
        words = item.split()
        name = None
        if len(words) >= 2 and words[-2].lower() == "as":
            name, words = words[-1], words[:-2]
        if not words:
            raise GradproofError(f"layer {n}: a name ({name!r}) but no layer before 'as', got {item!r}")
        kind = words[0].lower()
        where = f"{source} line {line}, layer {n} ({kind})" if "\n" in text.strip() else f"layer {n} ({kind})"
        if kind not in POSITIONAL:
            raise GradproofError(f"{where}: unknown layer kind {words[0]!r}; expected {', '.join(POSITIONAL)}"
                                 + (" (input comes first, once)" if kind == "input" else ""))
        layers.append(_layer(where, kind, [w.lower() for w in words[1:]]))
        names.append(name)
    return Model((*hwc, 1)[:3], tuple(layers), tuple(names))


def _size_text(v) -> str:
    return f"{v[0]}x{v[1]}"


def write(model: Model) -> str:
    """The model's description, one layer per line: :func:`parse` reads it back to the same model.

    >>> print(write(parse("input 8x8x2, maxpool 2 as P")))
    input 8x8x2
    maxpool 2x2 stride 2x2 as P
    """
    lines = ["input " + "x".join(map(str, model.input_hwc))]
    for layer, name in zip(model.layers, model.names):
        kind, args = layer[0], layer[1:]
        if kind in ("conv", "conv_table"):
            head = str(args[0]) if kind == "conv" else "/".join(".".join(map(str, r)) for r in args[0])
            words = [kind, head, _size_text(args[1]), "stride", _size_text(args[2]), "pad", _size_text(args[3])]
            words += [] if args[4] else ["nobias"]
        elif kind in ("maxpool", "meanpool", "subsample"):
            words = [kind, _size_text(args[0]), "stride", _size_text(args[1])]
        else:
            words = [kind, *map(str, args)]
        lines.append(" ".join(words + (["as", name] if name else [])))
    return "\n".join(lines)


def summary(model: Model) -> Summary:
    """Every layer's name, output shape and parameters, and the total: Keras's model.summary() in numbers.

    >>> summary(load("keras")).total
    93322
    """
    layers = summarize(model.input_hwc, model.layers)
    seen: dict[str, int] = {}
    rows = []
    for layer, name in zip(layers, model.names):
        if name is None:  # as Keras names them: conv, conv_1, conv_2, ...
            k = seen.get(layer.kind, 0)
            name = layer.kind if k == 0 else f"{layer.kind}_{k}"
            seen[layer.kind] = k + 1
        rows.append(Row(name, layer.kind, layer.output, layer.params))
    return Summary(model.input_hwc, tuple(rows), sum(r.params for r in rows))


def load(model: str) -> Model:
    """A built-in model's name, a file holding a description, or a description itself.

    >>> summary(load("input 4x4x1, flatten")).rows[0].output
    (16,)
    """
    if model in BUILTIN:
        return parse(BUILTIN[model], source=model)
    if os.path.isfile(model):
        try:
            with open(model, encoding="utf-8") as f:
                return parse(f.read(), source=model)
        except (OSError, UnicodeDecodeError) as exc:
            raise GradproofError(f"model: cannot read {model!r}: {exc}") from None
    if " " not in model.strip() and "," not in model:
        raise UnknownName(f"model: {model!r} is neither a built-in model ({', '.join(BUILTIN)}), a file, nor a "
                          "description such as 'input 28x28x1, conv 8 3x3'")
    return parse(model)
