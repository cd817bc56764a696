r"""The six screens of the tour. Each reads the data :func:`presentation.tour.collect` gathered; none computes.

A screen is a function ``(data, lang, width) -> renderable``; :data:`SCREENS` lists them in order.

>>> len(SCREENS)
6
"""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .check import heatmaps
from .derive_text import Filled
from .derive import association_table, rules_table, shape_text
from .i18n import text
from .matrices import labelled, matrix_table, side_by_side, window_cells


def _title(key, lang):
    return Text(text(key, lang), style="bold underline")


def _para(key, lang, **fields):
    # wrapped by display width: a Chinese paragraph has no spaces for rich's word wrap to break at
    return Filled(text(key, lang, **fields))


def _eq(lhs, rhs) -> Text:
    """'B11 = A11*K11 + ...' in the seed's plain notation, wrapped at spaces by rich."""
    return Text(f"{lhs} = {rhs}")


def _gap(*items):
    return Group(*(x for it in items for x in (it, Text(""))))


def _step(d, key):
    """The data of one teaching step; a step renamed in derivations/ fails here, loudly, not as a wrong picture."""
    return next(s.data for s in d.steps if s.key == key)


def screen_forward(data, lang, width):
    d = data.d
    a, k, b = d.symbols["A"], d.symbols["K"], d.symbols["B"]
    first = str(b[0, 0])
    sums = Group(*(_eq(b[i, j], d.forward[i, j]) for i in range(b.shape[0]) for j in range(b.shape[1])))
    sizes = Table(text("tour.col.mode", lang), "P", "S", text("tour.col.out", lang), box=box.SIMPLE_HEAD, padding=(0, 1))
    for mode, p, s, n in data.sizes:
        label = text("tour.mode.stride", lang, s=s) if mode == "strided" else mode  # valid/same: the terms as used
        sizes.add_row(label, str(p), str(s), f"{n}x{n}")
    return _gap(_title("tour.s1.title", lang), _para("tour.s1.intro", lang),
                labelled(text("tour.s1.window", lang, entry=first),
                         side_by_side(labelled("A", matrix_table(a, highlight=window_cells(0, 0, 3, 3))),
                                      labelled("K", matrix_table(k)))),
                labelled(text("tour.s1.sums", lang), sums),
                _para("tour.s1.padding", lang), sizes,
                labelled(text("tour.s1.padded", lang), matrix_table(data.padded)))


def screen_backward(data, lang, width):
    d = data.d
    a, ga = d.symbols["A"], d.grads["A"]
    picks = [(0, 0), (1, 3), (2, 2)]  # A11, A24, A33: the seed's own examples
    lines = Group(*(_eq(f"∂L/∂{a[p]}", ga[p]) for p in picks))
    return _gap(_title("tour.s2.title", lang), _para("tour.s2.intro", lang), lines,
                _para("tour.s2.table", lang), association_table(d.association, lang))


def screen_reveal(data, lang, width):
    d = data.d
    rot = _step(d, "conv.rot180")
    kernels = side_by_side(labelled("K", matrix_table(rot["kernel"])),
                           labelled("rot180(K)", matrix_table(rot["rotated"])))
    proved = [r for r in d.rules if r.name.startswith("dx")]
    return _gap(_title("tour.s3.title", lang), _para("tour.s3.intro", lang),
                labelled(text("tour.s3.kernels", lang), kernels), rules_table(proved, lang, d),
                labelled(text("tour.s3.seed", lang),
                         side_by_side(labelled("convn(ones(3), K, 'full')", matrix_table(data.full)),
                                      labelled("∂L/∂A", matrix_table(data.exact)))),
                labelled(text("tour.s3.wrong", lang), matrix_table(data.unrotated)),
                rules_table(d.pitfalls, lang, d, pitfalls=True))


def screen_stride(data, lang, width):
    d2 = data.d2
    a, ga = d2.symbols["A"], d2.grads["A"]
    picks = [(0, 0), (1, 1), (2, 2)]
    return _gap(_title("tour.s4.title", lang), _para("tour.s4.intro", lang),
                labelled(text("tour.s4.dilated", lang),
                         side_by_side(labelled("G", matrix_table(data.g2)),
                                      labelled("dilate(G, 2)", matrix_table(data.g2_dilated)))),
                labelled(text("tour.s4.entries", lang), Group(*(_eq(f"∂L/∂{a[p]}", ga[p]) for p in picks))),
                rules_table([r for r in d2.rules if r.name.startswith("dx")], lang, d2),
                labelled(text("tour.s4.numbers", lang),
                         side_by_side(labelled("G", matrix_table(data.g_small)),
                                      labelled("dilate(G, 2)", matrix_table(data.g_small_dilated)))))


def _nonzero(m):
    return {(i, j) for i, row in enumerate(m.tolist()) for j, v in enumerate(row) if v != 0}


def screen_pooling(data, lang, width):
    dx, x = text("tour.col.dx", lang), text("tour.col.x", lang)
    pools = data.pools

    def exact(kind, marks=()):  # the symbolic gradient next to the numbers
        return [labelled(text("tour.col.exact", lang), matrix_table(pools[kind].grads["A"], highlight=marks))]

    routed, shared = _nonzero(data.max_dx), _nonzero(data.overlap_dx)
    overlap = pools["overlap"]
    refuted = [r for r in overlap.pitfalls if not r.holds]  # the '=' instead of '+=' mistake
    pitfalls = [rules_table(refuted, lang, overlap, pitfalls=True)] if refuted else []
    return _gap(_title("tour.s5.title", lang), _para("tour.s5.mean", lang),
                side_by_side(labelled("G", matrix_table(data.mean_g)), labelled(dx, matrix_table(data.mean_dx)),
                             *exact("mean")),
                _para("tour.s5.max", lang),
                side_by_side(labelled(x, matrix_table(data.x_max, highlight=routed)),
                             labelled("max", matrix_table(data.max_out)),
                             labelled(dx, matrix_table(data.max_dx, highlight=routed)), *exact("max", routed)),
                _para("tour.s5.overlap", lang),
                side_by_side(labelled(x, matrix_table(data.x_overlap, highlight=shared)),
                             labelled(dx, matrix_table(data.overlap_dx, highlight=shared)),
                             *exact("overlap", shared)),
                *pitfalls)


def verdict_summary(result, lang) -> Table:
    """The tour's four-column digest of a check (gradient, verdict, worst error, its tolerance): narrower
    than presentation.check's full table, which a learner meets later with `gradproof check`."""
    t = Table(text("tour.col.arg", lang), text("tour.col.verdict", lang), text("tour.col.err", lang),
              text("tour.col.tol", lang), box=box.SIMPLE_HEAD, padding=(0, 1))
    for a in result.args:
        w = a.worst
        t.add_row(f"d{a.name} {shape_text(a.shape)}", text("tour.check.ok" if a.ok else "tour.check.bad", lang),
                  "-" if w is None else f"{w.error:.1e}", "-" if w is None else f"{w.tol:.1e}")
    return t


def _fd_view(result, lang):
    """A compact verdict table (4 columns fit 60) and the checker renderer's heat map of one input slice."""
    heat = heatmaps(result.args[0], lang)[:1 + result.args[0].shape[-2]]  # the first slice: title and rows
    return Group(verdict_summary(result, lang), *(Text(line) for line in heat), Text(text("check.legend", lang)))


def screen_proof(data, lang, width):
    d, d2 = data.d, data.d2
    proofs = [labelled(text("tour.s6.conv", lang, s=x.params["stride"]), rules_table(x.rules, lang, x))
              for x in (d, d2)]
    for p in data.pools.values():
        prm = p.params
        label = text("tour.s6.pool", lang, kind=text(f"tour.kind.{prm['kind']}", lang),
                     shape=shape_text(prm["input_shape"]), window=shape_text(prm["window"]), s=shape_text(prm["stride"]))
        proofs.append(labelled(label, rules_table(p.rules, lang, p)))
    setup = {k: shape_text(v) for k, v in data.check_setup.items()}
    check = _fd_view(data.check, lang)
    return _gap(_title("tour.s6.title", lang), _para("tour.s6.proof", lang), *proofs,
                _para("tour.s6.pitfalls", lang), rules_table(d.pitfalls, lang, d, pitfalls=True),
                _para("tour.s6.check", lang, **setup), check, _para("tour.s6.next", lang))


SCREENS = (screen_forward, screen_backward, screen_reveal, screen_stride, screen_pooling, screen_proof)
