"""gradproof derivations: exact SymPy forward and backward formulas, with their rules proved.

This package imports SymPy only: no numpy, no rich. Each ``derive_*`` returns a frozen ``Derivation``.
Names are loaded on first use, so ``derivations.cost`` (plain arithmetic) answers before SymPy, which
takes about a second to import, is loaded at all: the command line refuses a too costly shape at once.
"""
from importlib import import_module

_EXPORTS = {"GradproofError": "._validate", "reporting": "._progress", "Derivation": "._types",
            "Meeting": "._types", "Mismatch": "._types", "Rule": "._types", "Step": "._types",
            "derive_conv2d": ".conv", "derive_full_conv2d": ".full_conv", "general_conv2d": ".conv_general",
            "conv_params": ".shapes", "out_size": ".shapes", "summarize": ".shapes",
            "derive_activation": ".activations", "derive_layer_deltas": ".chain", "derive_pool2d": ".pool",
            "derive_dense": ".dense", "derive_flatten": ".flatten", "derive_softmax_ce": ".softmax",
            "derive_network": ".network"}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'derivations' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS})
