"""``gradproof summary``: a Keras-style table of a model's output shapes and parameter counts."""
from __future__ import annotations

import argparse

from ._args import add_display


def add(sub):
    p = sub.add_parser("summary", help="output shapes and parameter counts of a model, as Keras's summary()",
                       description="Print each layer's output shape and parameters, and their total, for a built-in "
                                   "model of the course notes (keras, lenet5, notes-cnn), a file describing one "
                                   "(one layer per line, # comments) or a description on the command line (layers "
                                   "separated by commas). Layers: input HxWxC (first); conv F KxK [stride S] [pad P] "
                                   "[nobias]; conv_table lenet5-c3|0.1.2/1.2.3/... KxK [stride S] [pad P]; "
                                   "maxpool|meanpool|subsample K [stride S]; flatten; dense N; rbf N; any of them "
                                   "followed by 'as NAME'.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py summary keras\n  python cli.py summary lenet5 --lang zh\n"
                              "  python cli.py summary 'input 28x28x1, conv 8 3x3 stride 2 pad 1, flatten, dense 10'\n"
                              "  python cli.py summary my_model.txt --format json")
    p.add_argument("model", metavar="MODEL_OR_FILE_OR_SPEC",
                   help="keras, lenet5, notes-cnn, a file, or a description such as 'input 28x28x1, conv 8 3x3'")
    p.add_argument("--format", choices=["text", "json"], default="text",
                   help="text: a table for the terminal; json: the numbers as plain data (default text)")
    add_display(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from derivations.models import load, summary
    from presentation.matrices import make_console
    from presentation.summary import render_summary

    s = summary(load(args.model))
    render_summary(s, console=make_console(no_color=args.no_color), lang=args.lang, fmt=args.format)
    return 0
