"""The command line's argument types and shared options: argparse reports their errors in one line, exit 2."""
from __future__ import annotations

import argparse

from derivations._validate import GradproofError  # plain Python: costs nothing at start-up


class UserError(GradproofError):
    """A mistake in the command line found after parsing: reported in one line, exit code 2."""


def shape(text: str) -> tuple[int, ...]:
    """'5x5' -> (5, 5); '2x3x8x8' -> (2, 3, 8, 8)."""
    if text.startswith("-"):  # argparse reads "-5x5" as an option unless the value is attached with "="
        raise argparse.ArgumentTypeError(f"every size must be a whole number >= 1, got {text!r}")
    try:
        dims = tuple(int(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape such as 5x5 or 2x3x8x8, got {text!r}") from None
    if not dims or any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f"every size must be a whole number >= 1, got {text!r}")
    return dims


def numbers(text: str) -> list[str]:
    """'1,0,4.5' -> ['1', '0', '4.5'] (kept as text so the derivation reads them exactly)."""
    parts = [t.strip() for t in text.split(",")]
    try:
        [float(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 1,0,4, got {text!r}") from None
    return parts


def positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


def seconds(text: str) -> float:
    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}") from None
    if not t > 0 or t == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return t


def memory_mb(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 256:  # the sandbox's floor: a child loading numpy needs it (sandbox.Limits)
        raise argparse.ArgumentTypeError(f"expected a whole number of megabytes >= 256, got {text!r}")
    return n


def add_display(p):
    """--lang and --no-color, shared by every command that prints for people."""
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the text (default: $GRADPROOF_LANG, else en)")
    p.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR=1 does the same)")
