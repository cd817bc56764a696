r"""The project's one validation vocabulary: the error a caller's mistake raises, and the checks that raise it.

Every package (derivations, checker, grading, presentation) checks its arguments with these helpers, so a
message always names the argument and the value the same way, and the command line can tell a user's
mistake (:class:`GradproofError`: one line, exit code 2) from a bug in gradproof (anything else: a
traceback and a request to report it). Plain Python only: no SymPy, no numpy, so every layer may import it.

>>> pair("stride", 2), pair("window", (2, 3))
((2, 2), (2, 3))
>>> whole("pad", 0, low=0)
0
>>> whole("stride", 0)
Traceback (most recent call last):
...
derivations._validate.GradproofError: stride must be a whole number >= 1, got 0
>>> sizes("input_shape", (2, 3, 8, 8), (2, 4))
(2, 3, 8, 8)
>>> out_size(28, 3), out_size(7, 3, stride=2, pad=1)
(26, 4)
"""
from __future__ import annotations

import operator


class GradproofError(ValueError):
    """A caller's mistake (an argument, a shape, a file): its message names the argument and the value.

    A subclass of ValueError, so ``except ValueError`` in callers' code keeps working.

    >>> isinstance(GradproofError("x must be >= 1, got 0"), ValueError)
    True
    """


class UnknownName(GradproofError, KeyError):
    """A name that is none of the known ones: a caller's mistake, and a KeyError as lookups raise.

    >>> str(UnknownName("no rule 'x'; known: a, b"))
    "no rule 'x'; known: a, b"
    """

    __str__ = BaseException.__str__  # the message as written, not KeyError's repr of it


def _integer(value) -> int | None:
    """``value`` as an int if it is a whole number (Python or numpy integer, not bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def whole(name: str, value, *, low: int = 1) -> int:
    """``value`` as an int >= ``low``; GradproofError naming ``name`` and the value otherwise.

    >>> whole("filters", 3)
    3
    """
    n = _integer(value)
    if n is None or n < low:
        raise GradproofError(f"{name} must be a whole number >= {low}, got {value!r}")
    return n


def pair(name: str, value, *, low: int = 1) -> tuple[int, int]:
    """A whole number or a ``(rows, cols)`` pair of them, as a pair; GradproofError naming ``name`` otherwise.

    >>> pair("pad", 0, low=0)
    (0, 0)
    """
    items = (value, value) if _integer(value) is not None else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    ints = [_integer(v) for v in items]
    if len(ints) != 2 or any(n is None or n < low for n in ints):
        raise GradproofError(f"{name} must be a whole number >= {low} or a pair of them, got {value!r}")
    return ints[0], ints[1]


def sizes(name: str, value, ndims, *, low: int = 1) -> tuple[int, ...]:
    """``value`` as a tuple of ``ndims`` (one of them) whole numbers >= ``low``; GradproofError otherwise.

    >>> sizes("shape", [4, 4], (1, 2))
    (4, 4)
    """
    try:
        items = tuple(value)
    except TypeError:
        raise GradproofError(f"{name} must be a tuple of sizes, got {value!r}") from None
    if len(items) not in tuple(ndims):
        raise GradproofError(f"{name} must have {' or '.join(map(str, ndims))} sizes, got {value!r}")
    ints = [_integer(v) for v in items]
    if any(n is None or n < low for n in ints):
        raise GradproofError(f"{name} sizes must be whole numbers >= {low}, got {value!r}")
    return tuple(ints)


def one_of(name: str, value, choices) -> object:
    """``value`` if it is one of ``choices``; GradproofError listing them otherwise.

    >>> one_of("kind", "max", ("mean", "max"))
    'max'
    """
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise GradproofError(f"{name} must be one of {listed}, got {value!r}")
    return value


def out_size(size: int, kernel: int, *, stride: int = 1, pad: int = 0, dilation: int = 1) -> int:
    """cs231n output size ``H' = 1 + (H + 2*pad - dilation*(HH - 1) - 1) // stride`` (the one copy).

    >>> out_size(5, 3), out_size(28, 5), out_size(5, 3, stride=2, pad=1)
    (3, 24, 3)
    """
    return 1 + (size + 2 * pad - dilation * (kernel - 1) - 1) // stride
