"""gradproof derivations: exact SymPy forward and backward formulas, with their rules proved.

This package imports SymPy only: no numpy, no rich. Each ``derive_*`` returns a frozen ``Derivation``.
"""
from ._progress import reporting
from ._types import Derivation, Meeting, Mismatch, Rule, Step
from .conv import derive_conv2d
from .full_conv import derive_full_conv2d
from .conv_general import general_conv2d
from .shapes import conv_params, out_size, summarize
from .activations import derive_activation
from .chain import derive_layer_deltas
from .pool import derive_pool2d

__all__ = ["Derivation", "Meeting", "Mismatch", "Rule", "Step", "derive_conv2d", "derive_full_conv2d", "general_conv2d", "out_size",
           "conv_params", "summarize", "reporting", "derive_pool2d", "derive_activation", "derive_layer_deltas"]
