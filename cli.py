"""gradproof command line: parse, call the library, render. Nothing else lives here.

User mistakes (bad shapes, unknown names) end with one line on stderr and exit code 2, never a traceback.
SymPy and numpy are imported inside the command functions so that ``--help`` starts fast.
"""
from __future__ import annotations

import argparse
import sys


class UserError(Exception):
    """A mistake in the command line: reported in one line, exit code 2."""


def _shape(text: str) -> tuple[int, ...]:
    """'5x5' -> (5, 5); '2x3x8x8' -> (2, 3, 8, 8)."""
    try:
        dims = tuple(int(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape such as 5x5 or 2x3x8x8, got {text!r}") from None
    if not dims or any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f"every size must be a whole number >= 1, got {text!r}")
    return dims


# --- tour -------------------------------------------------------------------------------------------
def _add_tour(sub):
    p = sub.add_parser("tour", help="the default walkthrough (also what `python cli.py` runs)",
                       description="Walk through convolution and pooling backward passes on small tensors.",
                       epilog="example: python cli.py tour --no-pause")
    p.add_argument("--no-pause", action="store_true", help="print every screen without waiting for Enter")
    p.set_defaults(func=_cmd_tour)


def _cmd_tour(args) -> int:
    from presentation.tour import run_tour

    return run_tour(args)


# --- derive -----------------------------------------------------------------------------------------
def _add_derive(sub):
    p = sub.add_parser("derive", help="derive and prove the gradients of one operation",
                       description="Derive forward and backward formulas exactly (SymPy) and prove the closed-form rules.",
                       epilog="example: python cli.py derive conv --input 5x5 --kernel 3x3 --stride 2 --pad 1")
    p.add_argument("op", choices=["conv"], help="the operation")
    p.add_argument("--input", type=_shape, default=(5, 5), help="HxW or NxCxHxW (default 5x5)")
    p.add_argument("--kernel", type=_shape, default=(3, 3), help="HHxWW or FxCxHHxWW (default 3x3)")
    p.add_argument("--stride", type=int, default=1, help="stride (default 1)")
    p.add_argument("--pad", type=int, default=0, help="zero padding on each side (default 0)")
    p.add_argument("--dilation", type=int, default=1, help="kernel dilation (default 1)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    p.set_defaults(func=_cmd_derive)


def _cmd_derive(args) -> int:
    from derivations import derive_conv2d
    from presentation.derive import render_derivation

    d = derive_conv2d(args.input, args.kernel, stride=args.stride, pad=args.pad, dilation=args.dilation)
    render_derivation(d, fmt=args.format)
    return 0


# --- main -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradproof",
        description="Derive, prove and check the gradients of convolutional networks.",
        epilog="Run with no command for the default walkthrough.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_tour(sub)
    _add_derive(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["tour", *(argv or [])])
    try:
        return args.func(args)
    except (UserError, ValueError) as exc:
        # ValueError is what the library raises for a caller's bad argument: one line, exit 2.
        print(f"gradproof: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
