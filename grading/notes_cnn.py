"""The ``notes-cnn`` interface: the course notes' class-style layers, graded method by method.

A student writes ``Conv3x3(num_filters)``, ``MaxPool2()`` and ``Softmax(input_len, nodes)``, each with
``forward(input)`` and ``backprop(d_L_d_out[, learn_rate])``. Every graded "function" is one method: the
child constructs the class, sets its weights from the case's arrays (so student and reference start
equal), runs ``forward`` first where a ``backprop`` needs it, calls the method and sends back its return
value and the weights after the call. A weight gradient is read from the update, (W_before - W_after) /
learn_rate (``FunctionSpec.from_updates``; learn_rate 0.5, so an update made before ``d_L_d_input`` is
computed shows in ``dx``). Conv3x3.backprop's return value is not graded: the notes' first layer returns
None. References come from ``checker.cnn``, in the grader's process only.

>>> [f.name for f in NOTES_CNN.functions][:2]
['Conv3x3.forward', 'Conv3x3.backprop']
>>> NOTES_CNN.function("Softmax.backprop").parts
('dx', 'dw', 'db')
"""
from __future__ import annotations

import numpy as np

from checker import cnn
from .compare import check, check_pool_ties
from .notes_cases import LEARN_RATE, conv_cases, pool_cases, softmax_cases
from .notes_template import TEMPLATE
from .spec import A, FunctionSpec, Interface, V

__all__ = ["NOTES_CNN", "notes_variants"]


def _conv(a):
    layer = cnn.Conv3x3(a["w"].shape[0])
    layer.filters = a["w"].copy()
    return layer


def _conv_bwd(cfg, a):
    layer = _conv(a)
    layer.forward(a["x"])
    layer.backprop(a["dout"], LEARN_RATE)
    return ((a["w"] - layer.filters) / LEARN_RATE,)


def _pool_bwd(cfg, a):
    layer = cnn.MaxPool2()
    layer.forward(a["x"])
    return (layer.backprop(a["dout"]),)


def _soft(a):
    layer = cnn.Softmax(*a["w"].shape)
    layer.weights, layer.biases = a["w"].copy(), a["b"].copy()
    return layer


def _soft_bwd(cfg, a):
    layer = _soft(a)
    layer.forward(a["x"])
    dx = layer.backprop(a["dout"], LEARN_RATE)
    return dx, (a["w"] - layer.weights) / LEARN_RATE, (a["b"] - layer.biases) / LEARN_RATE


def _pool_judge(cfg, a, actual, ref):
    """Max-pool backprop: on a case with ties any split among the tied maxima is right (the tie policy,
    ``compare.check_pool_ties``, which takes channels first); the verdict's words keep the (h, w, c) layout."""
    v = check(actual, ref)
    if v.ok or v.kind != "values" or not cfg.ties:
        return v
    first = lambda arr: np.moveaxis(np.asarray(arr), -1, 0)  # noqa: E731
    tied = check_pool_ties(first(actual), first(ref), first(a["x"]), first(a["dout"]), 2, 2, 2)
    return tied if tied.ok else v


def _recipe(cls, method, init, set_, returns, forward_first=False):
    """A class-style call (``_calls.run_method``)."""
    return lambda c: {"cls": cls, "init": init(c), "set": set_, "method": method, "returns": returns,
                      "before": [["forward", [A("x")]]] if forward_first else []}


_CONV = dict(role="notes_layer", cases=conv_cases)
_POOL = dict(role="notes_layer", cases=pool_cases)
_SOFT = dict(role="notes_layer", cases=softmax_cases)
_conv_init = lambda c: [V(c.C)]                                  # noqa: E731
_soft_init = lambda c: [V(c.H * c.W * c.C), V(c.nodes)]          # noqa: E731

NOTES_CNN = Interface("notes-cnn", module="cnn.py", title="The course notes' CNN: Conv3x3, MaxPool2, Softmax.",
                      template=TEMPLATE, functions=(
    FunctionSpec("Conv3x3.forward", ("out",), 1, lambda c, s: c.inputs(s), lambda c: [A("x")],
                 lambda c, a: (_conv(a).forward(a["x"]),), signature="self, input",
                 obj=_recipe("Conv3x3", "forward", _conv_init, {"filters": A("w")}, ["ret"]), **_CONV,
                 doc="input (h, w) -> (h-2, w-2, num_filters): valid cross-correlation with self.filters"),
    FunctionSpec("Conv3x3.backprop", ("dw",), 1, lambda c, s: c.inputs(s), lambda c: [A("dout"), V(LEARN_RATE)],
                 _conv_bwd, signature="self, d_L_d_out, learn_rate", updates={"dw": "w"}, learn_rate=LEARN_RATE,
                 obj=_recipe("Conv3x3", "backprop", _conv_init, {"filters": A("w")}, ["filters"], True), **_CONV,
                 doc="d_L_d_out (h-2, w-2, num_filters): self.filters -= learn_rate * d_L_d_filters"),
    FunctionSpec("MaxPool2.forward", ("out",), 1, lambda c, s: c.inputs(s), lambda c: [A("x")],
                 lambda c, a: (cnn.MaxPool2().forward(a["x"]),), signature="self, input",
                 obj=_recipe("MaxPool2", "forward", lambda c: [], {}, ["ret"]), **_POOL,
                 doc="input (h, w, c) -> (h // 2, w // 2, c): the maximum of every 2x2 window"),
    FunctionSpec("MaxPool2.backprop", ("dx",), 1, lambda c, s: c.inputs(s), lambda c: [A("dout")], _pool_bwd,
                 signature="self, d_L_d_out", judge=_pool_judge,
                 obj=_recipe("MaxPool2", "backprop", lambda c: [], {}, ["ret"], True), **_POOL,
                 doc="d_L_d_out (h // 2, w // 2, c) -> d_L_d_input (h, w, c): each window's gradient to its "
                     "maximum (at a tie: to one of the tied maxima, or split among them)"),
    FunctionSpec("Softmax.forward", ("out",), 1, lambda c, s: c.inputs(s), lambda c: [A("x")],
                 lambda c, a: (_soft(a).forward(a["x"]),), signature="self, input",
                 obj=_recipe("Softmax", "forward", _soft_init, {"weights": A("w"), "biases": A("b")}, ["ret"]),
                 **_SOFT, doc="input of any shape, flattened row-major -> (nodes,) probabilities"),
    FunctionSpec("Softmax.backprop", ("dx", "dw", "db"), 3, lambda c, s: c.inputs(s),
                 lambda c: [A("dout"), V(LEARN_RATE)], _soft_bwd, signature="self, d_L_d_out, learn_rate",
                 updates={"dw": "w", "db": "b"}, learn_rate=LEARN_RATE, split=(4.0, 4.0, 2.0),
                 obj=_recipe("Softmax", "backprop", _soft_init, {"weights": A("w"), "biases": A("b")},
                             ["ret", "weights", "biases"], True), **_SOFT,
                 doc="d_L_d_out (nodes,), the gradient of -ln p[label] -> d_L_d_input (the input's shape); "
                     "self.weights and self.biases -= learn_rate * their gradients"),
))


def _windows_to_all(dout, shape, x=None):
    """Every cell of each 2x2 window gets its gradient (``x`` given: only the cells equal to the maximum)."""
    h, w = dout.shape[0] * 2, dout.shape[1] * 2
    out = np.zeros(shape)
    spread = np.repeat(np.repeat(dout, 2, axis=0), 2, axis=1)
    if x is not None:
        top = np.repeat(np.repeat(cnn.MaxPool2().forward(x), 2, axis=0), 2, axis=1)
        spread = spread * (x[:h, :w] == top)
    out[:h, :w] = spread
    return out


def notes_variants(function: str, part: str, cfg, a):
    """(key, words, thunk) for the known mistakes of one method and part (``diagnose`` tries each)."""
    if function == "MaxPool2.backprop":
        yield "every_cell", "the gradient goes to every cell of the window, not only to its maximum", \
            lambda: _windows_to_all(a["dout"], a["x"].shape)
        if cfg.ties:   # without ties it is the right answer
            yield "tie_all", "every tied maximum gets the window's whole gradient (== max marks them all): give " \
                "it to one of them, or split it", lambda: _windows_to_all(a["dout"], a["x"].shape, a["x"])
    elif function == "Conv3x3.backprop":
        if a["dout"].shape[0] * a["dout"].shape[1] > 1:   # with one position it is the right answer
            yield "not_summed", "d_L_d_filters keeps only the last position (= where += belongs: a filter's " \
                "gradient sums over every position it was used at)", \
                lambda: a["dout"][-1, -1][:, None, None] * a["x"][-3:, -3:][None]
        yield "no_rate", "the update is not scaled by learn_rate", lambda: _conv_bwd(cfg, a)[0] / LEARN_RATE
    elif function == "Softmax.backprop":
        dx, dw, db = _soft_bwd(cfg, a)
        p = _soft(a).forward(a["x"])
        words = "the softmax delta leaves out the -1 at the label (p instead of p - onehot(label))"
        if part == "dx":
            yield "no_minus_one", words, lambda: (a["w"] @ p).reshape(a["x"].shape)
            yield "update_first", "d_L_d_input uses the weights after the update: compute it before updating", \
                lambda: ((a["w"] - LEARN_RATE * dw) @ (db)).reshape(a["x"].shape)
            if sum(n > 1 for n in a["x"].shape) > 1:   # one axis longer than 1: both orders agree
                yield "unflatten_order", "d_L_d_input is reshaped in another order than forward flattened the " \
                    "input (forward: row-major, input.flatten(); backprop must undo exactly that)", \
                    lambda: dx.ravel().reshape(a["x"].shape, order="F")
        elif part == "dw":
            yield "no_minus_one", words, lambda: np.outer(a["x"].ravel(), p)
            yield "transposed", "dw is transposed: (input_len, nodes) is np.outer(input, d_L_d_t)", lambda: dw.T
        elif part == "db":
            yield "no_minus_one", words, lambda: p
