"""What a student function is to the grader: one ``FunctionSpec`` row holds everything keyed by its name.

Its signature (the template writes it), its role (what it computes: the diagnoses, the self-check and
the battery read it), how a case is fed to it, its reference and how its answer is judged. An
``Interface`` is a list of such rows with the file name and title of its template; the two interfaces
themselves are in ``interfaces``.

>>> ROLES["mean2d"].family, ROLES["mean2d"].plane
('pool', True)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from derivations._validate import GradproofError
from .configs import FD_CONV, FD_POOL, conv_battery, drawn, pool_battery


class Role(NamedTuple):
    """What a function computes, as far as grading it depends on it."""

    family: str     # "conv" or "pool": which battery it is graded on ("notes": the spec's own ``cases``)
    plane: bool     # a 2-D function on one channel: the self-check publishes its own plane cases for it
    by_abs: bool    # its outputs are sums of products bounded by the function of the inputs' absolute values


ROLES = {
    "conv_forward": Role("conv", False, True), "conv_backward": Role("conv", False, False),
    "pool_forward": Role("pool", False, False), "pool_backward": Role("pool", False, False),
    "xcorr2d": Role("conv", True, True), "full_conv2d": Role("conv", True, True), "rot180": Role("conv", True, True),
    "mean2d": Role("pool", True, False), "pool2d": Role("pool", True, False),
    # the course notes' class-style layers (``notes_cnn``): their own battery, no self-check cases
    "notes_layer": Role("notes", False, False),
}
FORWARDS = ("conv_forward", "pool_forward")   # the layer forwards, whose output size has a rule to name


def A(name):
    """An argument item: the input array ``name``."""
    return {"a": name}


def V(value):
    """An argument item: a JSON literal."""
    return {"v": value}


@dataclass(frozen=True)
class FunctionSpec:
    """One student function: how to feed it a case and what the right answer is."""

    name: str
    parts: tuple[str, ...]               # names of the graded return values, in order
    nout: int                            # how many values it returns (cs231n forwards also return a cache)
    inputs: Callable                     # (cfg, seed) -> {name: array} sent to the child
    args: Callable                       # cfg -> list of argument items
    reference: Callable                  # (cfg, inputs) -> tuple of arrays, one per part
    signature: str = ""                  # its parameters as the template writes them
    role: str = ""                       # a key of ROLES
    forward: str | None = None           # the forward whose finite differences judge this backward
    wrt: tuple[str, ...] = ()            # the input each part is the gradient of
    cache: Callable | None = None        # cfg -> (forward name, its argument items): cs231n backwards
    doc: str = ""
    divisible: bool = False              # the contract lets students assume output sizes divide evenly
    judge: Callable | None = None        # (cfg, inputs, actual, reference) -> Verdict; default compare.check
    split: tuple[float, ...] = ()        # default shares of its points among its parts (none: equal shares)
    cases: Callable | None = None        # () -> its own fixed battery (class-style layers)
    obj: Callable | None = None          # cfg -> a class-style call's recipe (``_calls.run_method``)
    updates: dict = field(default_factory=dict)  # part -> weight input whose update reveals that part
    learn_rate: float = 0.0              # the learn_rate a class-style backprop is called with

    def __post_init__(self):
        assert self.role in ROLES and self.signature, f"{self.name}: a role of ROLES and a signature are needed"
        assert not self.split or len(self.split) == len(self.parts), f"{self.name}: one share per part"

    @property
    def family(self) -> str:
        """``"conv"`` or ``"pool"``: the battery it is graded on."""
        return ROLES[self.role].family

    def call(self, cfg) -> dict:
        """The JSON recipe the child follows for one case."""
        recipe = {"args": self.args(cfg), "nout": self.nout, "keep": list(range(len(self.parts)))}
        if self.cache is not None:
            fwd, items = self.cache(cfg)
            recipe.update(cache_from=fwd, cache_args=items, fallback=items)
        if self.obj is not None:
            recipe["obj"] = self.obj(cfg)
            recipe["nout"] = len(recipe["obj"]["returns"])
        return recipe

    def from_updates(self, inputs: dict, actual: list) -> list:
        """The parts a class-style backprop reveals by its update: (W_before - W_after) / learn_rate. A value
        that is not a float array of W's shape stays as it came (judging then says what is wrong with it)."""
        out = list(actual)
        for j, part in enumerate(self.parts):
            a, name = out[j], self.updates.get(part)
            if name is not None and a is not None and a.dtype.kind == "f" and a.shape == inputs[name].shape:
                with np.errstate(over="ignore", invalid="ignore"):  # weights of 1e308 after: inf, judged nonfinite
                    out[j] = (inputs[name] - a.astype(float)) / self.learn_rate
        return out

    def battery(self, seed: int = 0, extra: int = 3, strict: bool = False) -> list:
        """Fixed cases, ``extra`` drawn by hypothesis, and (for a backward) the tiny finite-difference case.

        Under the divisibility contract only the cases whose output size divides evenly; ``strict`` gives
        the others instead (an extra check, weighted on its own). Without the contract ``strict`` has none.
        """
        if self.cases is not None:
            return [] if strict else list(self.cases())
        fixed = conv_battery() if self.family == "conv" else pool_battery()
        if not self.divisible:
            cases = [] if strict else fixed + list(drawn(self.family, seed, extra))
        else:
            # more drawn than needed: about half of the drawn shapes fall on each side of the contract
            cases = ([c for c in fixed if self.admits(c, strict)]
                     + [c for c in drawn(self.family, seed, 4 * extra) if self.admits(c, strict)][:extra])
        if self.forward and not strict:
            cases.append(FD_CONV if self.family == "conv" else FD_POOL)
        return cases

    def admits(self, cfg, strict: bool = False) -> bool:
        """Whether ``cfg`` belongs to the normal battery (or, with ``strict``, to the strict check)."""
        if not self.divisible:
            return not strict
        return cfg.divides != strict


@dataclass(frozen=True)
class Interface:
    name: str
    functions: tuple[FunctionSpec, ...]
    module: str                          # the file name the template uses
    title: str = ""                      # the first line of its template
    template: str = ""                   # its whole template, when it is no list of functions (classes)

    def function(self, name: str) -> FunctionSpec:
        for f in self.functions:
            if f.name == name:
                return f
        raise GradproofError(f"function must be one of {[f.name for f in self.functions]}, got {name!r}")
