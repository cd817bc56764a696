r"""Check a whole network layer by layer: each backward on its own, the first wrong one, and end to end.

A network is a list of :class:`Layer` s, each a pure view of one layer: ``forward(x, params) -> out`` and
``backward(dout, x, params) -> (dx or None, {name: gradient})``. Two adapters make one:
:func:`class_layer` for the course notes' classes (``forward(input)``; ``backprop(d_L_d_out, learn_rate)``
returns ``d_L_d_input`` and also updates the weights: its update reveals the weight gradients, and the
checker puts the weights back after every call) and :func:`cs231n_layer` for ``(out, cache)`` pairs.

Each layer's backward is judged alone, by ``check_backward`` on that layer's own input in the network: the
last layer with the loss's exact gradient (a layer may rely on its form, e.g. one nonzero entry for
``-ln p[label]``), every other layer with a random upstream gradient, which no correct layer can tell apart
from a real one. So a wrong layer is named even when the layers after it are wrong too. Then the
student's backward chain is judged end to end against the loss's own finite differences.

>>> import numpy as np
>>> double = Layer("double", lambda x, p: 2 * x, lambda d, x, p: (2 * d, {}), {})
>>> r = check_network([double], np.ones(3), sum_loss())
>>> r.ok, r.first_wrong, r.layers[0].ok
(True, None, True)
"""
from __future__ import annotations

import inspect
from typing import Callable, NamedTuple

import numpy as np

from checker.check import CheckResult, check_backward, judge_gradients
from derivations._validate import GradproofError


class Layer(NamedTuple):
    """One layer as pure functions of its input and parameters (``params``: the values to check at)."""

    name: str
    forward: Callable  # (x, params: dict) -> out
    backward: Callable  # (dout, x, params: dict) -> (dx or None, {param name: gradient})
    params: dict


class Loss(NamedTuple):
    """A scalar loss of the network's output: its value and its exact gradient."""

    name: str
    value: Callable  # out -> float
    grad: Callable  # out -> dL/dout


def cross_entropy(label: int) -> Loss:
    """``-ln p[label]`` of a probability vector (the notes' loss after their Softmax layer)."""
    def grad(p):
        g = np.zeros_like(p)
        g[label] = -1.0 / p[label]
        return g

    return Loss(f"-ln p[{label}]", lambda p: float(-np.log(p[label])), grad)


def sum_loss() -> Loss:
    """The sum of the output's entries: every upstream gradient 1 (for checks of single layers)."""
    return Loss("sum", lambda out: float(np.sum(out)), lambda out: np.ones_like(out))


def class_layer(obj, *, params=(), name: str | None = None, learn_rate: float = 1.0) -> Layer:
    r"""The course notes' class style: ``obj.forward(input)``, ``obj.backprop(d_L_d_out[, learn_rate])``.

    ``params``: names of the array attributes that ``backprop`` updates. The gradient of each is read from
    the update, :math:`(W_{before} - W_{after}) / \eta` with :math:`\eta` = ``learn_rate`` (not 0: a
    backward that updates before it computes ``d_L_d_input`` must be seen), and ``W_before`` is restored.
    """
    for method in ("forward", "backprop"):
        if not callable(getattr(obj, method, None)):
            raise GradproofError(f"layer {type(obj).__name__} has no method {method}()")
    for p in params:
        if not isinstance(getattr(obj, p, None), np.ndarray):
            raise GradproofError(f"params names {p!r}, which is not an array attribute of {type(obj).__name__}")
    if not learn_rate > 0:
        raise GradproofError(f"learn_rate must be > 0 (the update is what reveals the gradient), got {learn_rate!r}")
    takes_rate = len(inspect.signature(obj.backprop).parameters) >= 2

    def put(values):
        for p, v in values.items():
            setattr(obj, p, np.array(v, copy=True))

    def forward(x, values):
        put(values)
        try:
            return obj.forward(x)
        finally:
            put(current)  # between calls the layer holds its own weights: checking never trains it

    def backward(dout, x, values):
        put(values)
        try:
            obj.forward(x)  # the layer's backward reads what its last forward kept
            dx = obj.backprop(dout, learn_rate) if takes_rate else obj.backprop(dout)
            after = {p: np.asarray(getattr(obj, p)) for p in values}
        finally:
            put(current)
        grads = {}
        for p, v in values.items():
            if after[p].shape != np.shape(v):
                raise GradproofError(f"backprop changed {p} from shape {np.shape(v)} to {after[p].shape}")
            grads[p] = (np.asarray(v, dtype=np.float64) - after[p]) / learn_rate
        return dx, grads

    current = {p: np.array(getattr(obj, p), copy=True) for p in params}
    return Layer(name or type(obj).__name__, forward, backward, current)


def cs231n_layer(layer_forward: Callable, layer_backward: Callable, *, params: dict, extra=(),
                 name: str = "layer") -> Layer:
    """cs231n style: ``layer_forward(x, *params.values(), *extra) -> (out, cache)``,
    ``layer_backward(dout, cache) -> (dx, *dparams)`` in the order of ``params``."""
    names = tuple(params)

    def forward(x, values):
        return layer_forward(x, *[values[n] for n in names], *extra)[0]

    def backward(dout, x, values):
        grads = layer_backward(dout, layer_forward(x, *[values[n] for n in names], *extra)[1])
        grads = (grads,) if isinstance(grads, np.ndarray) else tuple(grads)
        return grads[0], dict(zip(names, grads[1:]))

    return Layer(name, forward, backward, {n: np.array(v, copy=True) for n, v in params.items()})


class LayerVerdict(NamedTuple):
    """One layer's backward judged alone: its check, or the error that stopped it."""

    name: str
    ok: bool
    result: CheckResult | None
    error: str | None = None
    returns_dx: bool = True


class NetworkResult(NamedTuple):
    """Per-layer verdicts (forward order), the first wrong layer in backward order, and the end-to-end check."""

    layers: tuple[LayerVerdict, ...]
    first_wrong: str | None
    end_to_end: CheckResult | None
    loss: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(v.ok for v in self.layers) and bool(self.end_to_end and self.end_to_end.ok)


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _check_layer(layer: Layer, x, dout, *, seed, mode) -> LayerVerdict:
    names = tuple(layer.params)
    try:
        dx, _ = layer.backward(dout, x, layer.params)
    except Exception as exc:  # a student's layer: its failure is this layer's verdict, not the checker's
        return LayerVerdict(layer.name, False, None, f"backward raised {_failure(exc)}")
    with_x = dx is not None
    if not with_x and not names:
        return LayerVerdict(layer.name, False, None, "backward returned no input gradient", returns_dx=False)

    def fwd(*arrays):
        return layer.forward(arrays[0], dict(zip(names, arrays[1:]))) if with_x else layer.forward(x, dict(zip(names, arrays)))

    def bwd(d, *arrays):
        values = dict(zip(names, arrays[1:] if with_x else arrays))
        got_dx, grads = layer.backward(d, arrays[0] if with_x else x, values)
        return ((got_dx,) if with_x else ()) + tuple(grads[n] for n in names)

    inputs = ([x] if with_x else []) + [layer.params[n] for n in names]
    arg_names = (("input",) if with_x else ()) + names
    try:
        result = check_backward(fwd, bwd, inputs, names=arg_names, dout=dout, seed=seed, mode=mode)
    except Exception as exc:
        return LayerVerdict(layer.name, False, None, f"checking raised {_failure(exc)}", with_x)
    return LayerVerdict(layer.name, result.ok, result, None, with_x)


def check_network(layers, x, loss: Loss, *, seed: int | None = 0, mode: str = "auto") -> NetworkResult:
    """Check every layer's backward alone, name the first wrong one (from the loss back), then the whole chain."""
    layers = list(layers)
    if not layers:
        raise GradproofError("layers must hold at least one layer, got none")
    names = [layer.name for layer in layers]
    if len(set(names)) < len(names):  # a verdict must name one layer: number the repeated names
        layers = [layer._replace(name=f"{layer.name}#{i + 1}") if names.count(layer.name) > 1 else layer
                  for i, layer in enumerate(layers)]
    acts = [np.asarray(x)]
    for layer in layers:
        try:
            acts.append(np.asarray(layer.forward(acts[-1], layer.params)))
        except Exception as exc:
            return NetworkResult((), None, None, float("nan"), f"{layer.name}.forward raised {_failure(exc)}")
    value = loss.value(acts[-1])
    rng = np.random.default_rng(seed)
    verdicts = []
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        dout = loss.grad(acts[-1]) if last else rng.standard_normal(acts[i + 1].shape).astype(acts[i + 1].dtype)
        verdicts.append(_check_layer(layer, acts[i], dout, seed=seed, mode=mode))
    first = next((v.name for v in reversed(verdicts) if not v.ok), None)
    return NetworkResult(tuple(verdicts), first, _end_to_end(layers, acts, loss, seed=seed, mode=mode), value)


def _end_to_end(layers, acts, loss, *, seed, mode) -> CheckResult | None:
    """The student's chain (loss gradient back through every backward) against differences of the loss."""
    grads, g = [], loss.grad(acts[-1])
    for i in reversed(range(len(layers))):
        try:
            g, pg = layers[i].backward(g, acts[i], layers[i].params)
        except Exception:
            return None  # that layer's own verdict already says why
        grads = [pg[n] for n in layers[i].params] + grads
        if g is None and i > 0:
            return None
    with_x = g is not None
    sizes = [len(layer.params) for layer in layers]

    def whole(*arrays):
        flat = list(arrays[1:] if with_x else arrays)
        a = arrays[0] if with_x else acts[0]
        for layer, k in zip(layers, sizes):
            a = layer.forward(a, dict(zip(layer.params, flat[:k])))
            flat = flat[k:]
        return np.array(loss.value(a))

    inputs = ([acts[0]] if with_x else []) + [v for layer in layers for v in layer.params.values()]
    names = (("input",) if with_x else ()) + tuple(f"{layer.name}.{n}" for layer in layers for n in layer.params)
    return judge_gradients(whole, inputs, (([g] if with_x else []) + grads), dout=np.array(1.0), names=names,
                           seed=seed, mode=mode)
