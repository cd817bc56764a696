"""``gradproof tour``: the default walkthrough (also what ``python cli.py`` runs)."""
from __future__ import annotations

import argparse

from ._args import add_display

def add(sub):
    p = sub.add_parser("tour", help="the default walkthrough (also what `python cli.py` runs)",
                       description="Walk through convolution and pooling backward passes on small tensors: "
                                   "Enter for the next screen, b to go back, q to quit.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py\n  python cli.py tour cnn\n"
                              "  python cli.py tour --no-pause --lang zh | less")
    p.add_argument("which", nargs="?", choices=("cnn",), default=None,
                   help="cnn: the course notes' whole CNN, checked layer by layer and trained on digits "
                        "(default: the first tour)")
    p.add_argument("--no-pause", action="store_true", help="print every screen without waiting for Enter")
    add_display(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.which == "cnn":
        from presentation.tour_cnn import run_tour_cnn  # rich, numpy and the checker only when run

        return run_tour_cnn(lang=args.lang, no_color=args.no_color, no_pause=args.no_pause)
    from presentation.tour import run_tour

    return run_tour(lang=args.lang, no_color=args.no_color, no_pause=args.no_pause)
