r"""``gradproof tour cnn``: the course notes' whole CNN, its untrained loss, its backward checked layer by layer,
and a short real training run on scikit-learn's 8x8 digits (the optional extra ``digits``).

:func:`collect` asks the library (``checker.cnn``, ``checker.layerwise``, ``derivations``) for every number;
:mod:`presentation.tour_cnn_screens` only lays them out. Paging, ``--no-pause`` and pipes work as in the
default tour (:func:`presentation.tour.show`).

>>> [s.output for s in shapes(8)]
[(6, 6, 8), (3, 3, 8), (72,), (10,)]
"""
from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

import derivations  # loads a derivation module (and SymPy) on first use: the spinner is up by then
from checker import cnn
from checker.layerwise import check_network, cross_entropy
from derivations._validate import GradproofError
from derivations.shapes import summarize

from .i18n import resolve_lang, text
from .matrices import make_console, stderr_bars
from .tour import show
from .tour_cnn_screens import SCREENS

SIDE, DIGITS_SIDE = 28, 8  # the notes' MNIST images; scikit-learn's digits
TRAIN, LEARN_RATE = 1500, 0.01  # one epoch on the first 1500 digits; the other 297 are held out
CHECK_LABEL = 3  # the label of the image the backward is checked on


def shapes(side: int):
    """The notes' three layers as a model summary (their Softmax layer: a flatten, then a dense layer)."""
    return summarize((side, side, 1), [("conv", 8, 3), ("maxpool", 2), ("flatten",), ("dense", 10)])




def _untrained(net, images, labels) -> SimpleNamespace:
    z = np.array([cnn.logits(net, x) for x in images])
    p = np.array([cnn.predict(net, x) for x in images])
    return SimpleNamespace(n=len(images), loss=cnn.mean_loss(net, images, labels), max_logit=float(np.abs(z).max()),
                           p_min=float(p.min()), p_max=float(p.max()))


def _backward(side: int, *, mode: str) -> SimpleNamespace:
    """The reference's backward at ``side``, checked layer by layer, and its live numbers on the checked image."""
    net = cnn.network(side=side)
    x = np.random.default_rng(side).uniform(-0.5, 0.5, (side, side))  # the digits' range after scaling
    loss = cross_entropy(CHECK_LABEL)
    result = check_network(cnn.as_layers(net), x, loss, mode=mode)
    layers = cnn.as_layers(net)
    acts = [x]
    for layer in layers:
        acts.append(layer.forward(acts[-1], layer.params))
    p = acts[-1]
    _, soft_grads = layers[2].backward(loss.grad(p), acts[2], layers[2].params)
    pool_dx, _ = layers[1].backward(np.ones(acts[2].shape), acts[1], {})
    return SimpleNamespace(side=side, mode=mode, result=result, p=p, delta=soft_grads["biases"],
                           onehot=np.eye(p.size)[CHECK_LABEL], pool_in=acts[1].shape,
                           pool_routed=int(np.count_nonzero(pool_dx)), pool_windows=int(acts[2].size),
                           conv_positions=acts[1].shape[0] * acts[1].shape[1])


def _softmax_proof():
    """The delta p - onehot proved exactly at 3 classes (1 s; 10 classes take 4 s), and forgetting the -1
    refuted; the refutation's exact entry simplified, so that it reads as p_0 - 1 over a common denominator."""
    d = derivations.derive_softmax_ce(3, label=0)
    rule = next(r for r in d.rules if r.name == "p_minus_onehot")
    forgot = next(r for r in d.pitfalls if r.name == "delta_without_minus_one")
    ce = forgot.counterexample
    forgot = replace(forgot, counterexample=replace(ce, expected=ce.expected.simplify(), got=ce.got.simplify()))
    return SimpleNamespace(derivation=d, rule=rule, forgot=forgot)


def prepare() -> SimpleNamespace:
    """Everything but the training run: shapes, the untrained loss, the layer-by-layer check, the proof."""
    net28 = cnn.network(side=SIDE)
    rng = np.random.default_rng(0)
    randoms = rng.uniform(-0.5, 0.5, (20, SIDE, SIDE))
    data = SimpleNamespace(
        shapes28=shapes(SIDE), shapes8=shapes(DIGITS_SIDE), net28=net28, net8=cnn.network(side=DIGITS_SIDE),
        random28=_untrained(net28, randoms, rng.integers(0, 10, len(randoms))),
        check8=_backward(DIGITS_SIDE, mode="element"),  # every entry: 1.7 s on this machine
        check28=_backward(SIDE, mode="auto"),  # along random directions: every entry would take 90 s
        softmax=_softmax_proof(),
        label=CHECK_LABEL, learn_rate=LEARN_RATE, digits=None, run=None,
    )
    try:
        data.digits = cnn.load_digits()
    except GradproofError:  # only when scikit-learn is missing (an optional extra): the screens say how to install it
        return data
    images, labels = data.digits
    data.untrained8 = _untrained(data.net8, images[TRAIN:], labels[TRAIN:])
    return data



def train_run(data, progress=None) -> SimpleNamespace | None:
    """One epoch of the notes' SGD on the first digits; held-out loss and accuracy before and after."""
    if data.digits is None:
        return None
    images, labels = data.digits
    net, held = data.net8, (images[TRAIN:], labels[TRAIN:])
    before, acc_before = data.untrained8.loss, cnn.accuracy(net, *held)
    losses = cnn.train(net, images[:TRAIN], labels[:TRAIN], learn_rate=LEARN_RATE, progress=progress)
    return SimpleNamespace(losses=np.array(losses), before=before, after=cnn.mean_loss(net, *held),
                           acc_before=acc_before, acc_after=cnn.accuracy(net, *held), held=len(held[1]))


def collect(progress=None) -> SimpleNamespace:
    """Every value the CNN tour shows; ``progress(done, total)`` ticks during training."""
    data = prepare()
    data.run = train_run(data, progress)
    return data


def run_tour_cnn(*, lang: str | None = None, no_color: bool = False, no_pause: bool = False) -> int:
    """Show the CNN tour: a spinner while checking, a progress bar on stderr while training (terminals only)."""
    lang = resolve_lang(lang)
    console = make_console(no_color=no_color)
    interactive = not no_pause and console.is_terminal and sys.stdin.isatty()
    with console.status(text("cnn.working", lang)) if interactive else nullcontext():
        data = prepare()
    with stderr_bars(no_color=no_color) as bars:
        tick = None
        if bars is not None:
            task = bars.add_task(text("cnn.training", lang, n=TRAIN), total=TRAIN)
            tick = lambda done, total: bars.update(task, completed=done)  # noqa: E731
        data.run = train_run(data, tick)
    return show(console, SCREENS, data, lang, interactive=interactive, end="cnn.end")
