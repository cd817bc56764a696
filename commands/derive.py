"""``gradproof derive``: one operation's forward and backward, derived and proved exactly (SymPy)."""
from __future__ import annotations

import argparse

from presentation import derive_request  # no SymPy, numpy or rich behind it: --help stays fast
from presentation.derive_request import DERIVE_OPS, DeriveRequest

from ._args import add_display, numbers, positive, shape

def add(sub):
    p = sub.add_parser("derive", help="derive and prove the gradients of one operation",
                       description="Derive forward and backward formulas exactly (SymPy) and prove the closed-form "
                                   "rules. Operations: " + "; ".join(f"{k}: {v}" for k, v in DERIVE_OPS.items()),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py derive conv --input 5x5 --kernel 3x3\n"
                              "  python cli.py derive conv --input 5x5 --kernel 3x3 --stride 2 --pad 1\n"
                              "  python cli.py derive full-conv --input 3x3 --kernel 3x3 --format markdown > h.md\n"
                              "  python cli.py derive conv --format latex --lang zh > handout.tex\n"
                              "  python cli.py derive mean-pool --input 7x7 --window 3 --stride 2\n"
                              "  python cli.py derive max-pool --input 2x2 --window 2 --values 1,3,3,2\n"
                              "  python cli.py derive relu --input 2x3 --values -1,0,2,3,0,-4\n"
                              "  python cli.py derive deltas --input 6x6 --kernel 3x3 --window 2\n"
                              "  python cli.py derive dense --input 2x3 --units 3\n"
                              "  python cli.py derive flatten --input 2x2x2\n"
                              "  python cli.py derive softmax --classes 3 --label 1 --values 1,2,0\n"
                              "  python cli.py derive network --input 6x6 --filters 2 --classes 3")
    p.add_argument("op", choices=list(DERIVE_OPS), help="the operation")
    # Defaults are None so that an option an op does not read can be told apart from one left out.
    p.add_argument("--input", type=shape, default=None,
                   help="HxW or NxCxHxW (default 5x5); pooling: HxW or CxHxW (channels); dense: D or NxD "
                        "(default 2x3); flatten: any shape (default 2x2x2); network: HxW (default 6x6)")
    p.add_argument("--kernel", type=shape, default=None, help="conv: HHxWW or FxCxHHxWW (default 3x3)")
    p.add_argument("--stride", type=int, default=None, help="conv, pooling: stride (default 1; pooling: the window)")
    p.add_argument("--pad", type=int, default=None, help="conv, pooling: zero padding on each side (default 0)")
    p.add_argument("--dilation", type=int, default=None, help="conv: kernel dilation (default 1)")
    p.add_argument("--no-bias", action="store_true", default=None, help="conv, full-conv: leave out the bias term")
    p.add_argument("--window", type=shape, default=None, help="pooling: window k or KHxKW (default 2); deltas: the scale")
    p.add_argument("--filters", type=positive, default=None, help="deltas, network: number of filters (default 2)")
    p.add_argument("--units", type=positive, default=None, help="dense: output units M (default 3)")
    p.add_argument("--classes", type=positive, default=None, help="softmax, network: classes (default 3)")
    p.add_argument("--label", type=int, default=None, help="softmax, network: the true class, 0-based (default 0)")
    p.add_argument("--values", type=numbers, default=None,
                   help="pooling: the input's H*W numbers; softmax: the logits, row-major, comma-separated; negative numbers too "
                        "(--values -1,2 or --values=-1,2); max-pool needs them")
    p.add_argument("--format", choices=["text", "markdown", "latex", "json"], default="text",
                   help="text for the terminal; markdown/latex: a complete handout; json: the data (default text)")
    p.add_argument("--all", action="store_true",
                   help="every entry and every term: the text view shows the first 12, a large markdown/latex "
                        "handout its first 12 per array and a shape table")
    add_display(p)
    p.set_defaults(func=run)


def run(args) -> int:
    options = DeriveRequest._fields[1:]  # every field but the op is an option of the same name
    r = derive_request.request(args.op, {name: getattr(args, name) for name in options})
    derive_request.refuse_costly(r, args.format)  # before the imports below: SymPy and rich take a second or two

    from presentation.derive import FIRST_ENTRIES, derive_progress, render_derivation
    from presentation.i18n import resolve_lang
    from presentation.matrices import make_console

    lang = resolve_lang(args.lang)
    console = make_console(no_color=args.no_color)
    with derive_progress(args.op, no_color=args.no_color, lang=lang):
        d = derive_request.derive(r)
    render_derivation(d, fmt=args.format, console=console, lang=lang, limit=None if args.all else FIRST_ENTRIES)
    return 0
