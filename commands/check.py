"""``gradproof check``: our numpy rules against finite differences on random cases."""
from __future__ import annotations

import argparse

from ._args import add_display, positive

def add(sub):
    p = sub.add_parser("check", help="check our gradient rules against finite differences",
                       description="Draw random cases with hypothesis and compare our numpy backward rules with "
                                   "finite differences, element by element, each with its own derived tolerance.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  python cli.py check all\n  python cli.py check max-pool --examples 200 --seed 3")
    p.add_argument("op", choices=["conv", "mean-pool", "max-pool", "all"], help="the operation, or all of them")
    p.add_argument("--examples", type=positive, default=20, help="hypothesis cases per operation (default 20)")
    p.add_argument("--seed", type=int, default=0, help="hypothesis seed, for reproducible cases (default 0)")
    p.add_argument("--formulas", type=int, default=3,
                   help="cases per operation whose derived SymPy formula is checked too (default 3; slow)")
    add_display(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from checker.selfcheck import OPS, selfcheck
    from presentation.check import render_selfcheck, selfcheck_progress
    from presentation.matrices import make_console

    ops = OPS if args.op == "all" else (args.op,)
    with selfcheck_progress(ops, no_color=args.no_color, lang=args.lang) as progress:
        report = selfcheck(ops, examples=args.examples, seed=args.seed, formulas=args.formulas, progress=progress)
    render_selfcheck(report, console=make_console(no_color=args.no_color), lang=args.lang)
    return 0 if report.ok else 1
