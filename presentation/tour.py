r"""The default tour (``python cli.py``): six short screens on the seed's numbers, Enter / b / q to move.

:func:`collect` asks the library for everything the screens show (exact derivations, the numpy rules, a
finite-difference check); :mod:`presentation.tour_screens` only lays that data out. When stdout or stdin is
not a terminal, or with ``--no-pause``, every screen is printed in order and the tour exits 0.

>>> nav("", 0, 6), nav("b", 0, 6), nav("B", 3, 6), nav("q", 2, 6), nav("", 5, 6)
(1, 0, 2, None, None)
"""
from __future__ import annotations

import sys
from contextlib import nullcontext
from types import SimpleNamespace

import numpy as np

import derivations  # loads a derivation module (and SymPy) on first use: the spinner is up by then
from checker import check_backward, conv2d_structure, ops, pool_ops
from checker.ops import conv2d_backward, conv2d_forward

from .i18n import resolve_lang, text
from .matrices import make_console
from .tour_screens import SCREENS


def collect() -> SimpleNamespace:
    """Every value the tour shows, computed by the library (derivations, checker), none by the screens."""
    d = derivations.derive_conv2d((5, 5), (3, 3), bias=False)  # the seed's A, K, B without a bias term
    d2 = derivations.derive_conv2d((5, 5), (3, 3), stride=2, bias=False)
    k_num, g_num = np.arange(1.0, 10.0).reshape(3, 3), np.ones((3, 3))
    exact = np.array(d.at(G=1, K=k_num.tolist())["A"].tolist(), dtype=float)
    a_obj = np.array(d.symbols["A"].tolist(), dtype=object)
    g2_obj = np.array(d2.symbols["G"].tolist(), dtype=object)
    g_small = np.array([[1.0, 2.0], [3.0, 4.0]])
    x_max = np.array([[1.0, 0, 4], [8, 2, 5], [20, 13, 25]])
    x_overlap = np.array([[1.0, 2, 1], [2, 9, 2], [1, 2, 1]])
    mean_g = np.array([[4.0, 8.0], [12.0, 16.0]])
    return SimpleNamespace(
        d=d, d2=d2, k_num=k_num, g_num=g_num, exact=exact,
        full=ops.full_conv2d(g_num, k_num),  # MATLAB convn(ones(3), K, 'full')
        unrotated=ops.full_conv2d(g_num, ops.rot180(k_num)),  # full cross-correlation with K itself
        padded=ops.pad2d(a_obj, 1),
        sizes=[(mode, p, s, ops.out_size(5, 3, stride=s, pad=p)) for mode, p, s in
               (("valid", 0, 1), ("same", 1, 1), ("strided", 1, 2))],
        g2=g2_obj, g2_dilated=ops.dilate(g2_obj, 2), g_small=g_small, g_small_dilated=ops.dilate(g_small, 2),
        mean_g=mean_g, mean_dx=pool_ops.kron_upsample(mean_g, 2),
        x_max=x_max, max_out=pool_ops.maxpool_forward(x_max, 3, 3, stride=3),
        max_dx=pool_ops.maxpool_backward(np.ones((1, 1)), x_max, 3, 3, stride=3),
        x_overlap=x_overlap, overlap_dx=pool_ops.maxpool_backward(np.ones((2, 2)), x_overlap, 2, 2, stride=1),
        pools=_pool_derivations(x_max, x_overlap), check=_live_check(), check_setup=CHECK_SETUP,
    )


def _pool_derivations(x_max, x_overlap):
    """Exact pooling derivations on the screen's own numbers."""
    derive_pool2d = derivations.derive_pool2d
    return {"mean": derive_pool2d("mean", (4, 4), 2),
            "max": derive_pool2d("max", (3, 3), 3, values=x_max.ravel().tolist()),
            "overlap": derive_pool2d("max", (3, 3), 2, stride=1, values=x_overlap.ravel().tolist())}


CHECK_SETUP = {"x": (2, 3, 8, 8), "w": (4, 3, 3, 3), "stride": 2, "pad": 1}


def _live_check():
    """Finite differences against the numpy conv rules on random tensors (a fixed seed: the same each run)."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(CHECK_SETUP["x"]), rng.standard_normal(CHECK_SETUP["w"])
    s, p = CHECK_SETUP["stride"], CHECK_SETUP["pad"]
    return check_backward(lambda x, w: conv2d_forward(x, w, stride=s, pad=p),
                          lambda g, x, w: conv2d_backward(g, x, w, stride=s, pad=p)[:2],
                          [x, w], names=("x", "w"), seed=0,
                          # every element judged (the screen shows the worst and a heat map), at the cost of
                          # the conv's colour groups rather than one forward call per element
                          structure={k: v for k, v in conv2d_structure(w.shape, stride=s, pad=p).items()
                                     if k in ("x", "w")})


def nav(key: str, i: int, total: int) -> int | None:
    """The page after pressing ``key`` on page ``i``; None ends the tour (q, or Enter on the last page)."""
    key = key.strip().lower()
    if key == "q":
        return None
    if key == "b":
        return max(0, i - 1)
    return i + 1 if i + 1 < total else None


def paginate(lines: list[str], height: int) -> list[list[str]]:
    """Split a screen's lines into pages of at most ``height`` lines, preferably at a blank line.

    >>> [len(p) for p in paginate(["a", "b", "", "c", "d", "e"], 4)]
    [3, 3]
    >>> paginate(["x"] * 5, 2)
    [['x', 'x'], ['x', 'x'], ['x']]
    """
    height = max(height, 1)
    pages, start = [], 0
    while start < len(lines):
        end = min(start + height, len(lines))
        if end < len(lines):
            blank = max((k for k in range(start + height // 2, end) if not lines[k].strip()), default=None)
            end = end if blank is None else blank + 1  # cut after a blank line rather than inside a table
        pages.append(lines[start:end])
        start = end
    return pages


def read_key() -> str:
    """One key press without waiting for Enter (cbreak mode); a whole line where the terminal has no termios.

    Enter reads as "". Ctrl-C still raises KeyboardInterrupt (cbreak keeps signals); end of input quits.
    """
    try:
        import termios  # POSIX only: imported here so that the tour runs where it is missing
        import tty  # POSIX only, like termios
    except ImportError:  # not a POSIX terminal: fall back to a line, "b" then Enter
        try:
            return input()
        except EOFError:
            return "q"
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        ch = sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)  # always give the terminal back as we found it
    if ch == "":
        return "q"
    return "" if ch in "\r\n" else ch


def run_tour(*, lang: str | None = None, no_color: bool = False, no_pause: bool = False) -> int:
    """Show the tour; interactive only when both stdin and stdout are terminals and ``no_pause`` is False."""
    lang = resolve_lang(lang)
    console = make_console(no_color=no_color)
    interactive = not no_pause and console.is_terminal and sys.stdin.isatty()
    # A spinner while SymPy works; on a pipe rich prints nothing for it, so the output stays clean.
    with console.status(text("tour.working", lang)) if interactive else nullcontext():
        data = collect()
    return show(console, SCREENS, data, lang, interactive=interactive, end="tour.end")


def show(console, screens, data, lang: str, *, interactive: bool, end: str) -> int:
    """Print ``screens`` (each ``(data, lang, width) -> renderable``) in order, or page them by keys when
    ``interactive``; then the ``end`` text. Shared by every tour."""
    total = len(screens)
    if not interactive:
        for screen in screens:
            console.print(screen(data, lang, console.width))
            console.print()
        console.print(text(end, lang))
        return 0
    # A screen taller than the terminal is cut into pages, so that nothing scrolls out of sight.
    pages = []  # (screen number, page number, pages of that screen, lines)
    for n, screen in enumerate(screens, 1):
        with console.capture() as cap:
            console.print(screen(data, lang, console.width))
        split = paginate(cap.get().splitlines(), console.height - 2)
        pages += [(n, k, len(split), lines) for k, lines in enumerate(split, 1)]
    i = 0
    while i is not None:
        n, k, of, lines = pages[i]
        console.clear()
        console.file.write("\n".join(lines) + "\n")  # already rendered (and styled) for this console
        page = text("tour.page", lang, k=k, of=of) if of > 1 else ""
        console.print(text("tour.footer", lang, n=n, total=total, page=page), style="dim")
        i = nav(read_key(), i, len(pages))
    console.print(text(end, lang))
    return 0
