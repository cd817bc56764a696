"""gradproof derivations: exact SymPy forward and backward formulas, with their rules proved.

This package imports SymPy only: no numpy, no rich. Each ``derive_*`` returns a frozen ``Derivation``.
"""
from ._types import Derivation, Meeting, Mismatch, Rule, Step
from .conv import derive_conv2d
from .conv_general import general_conv2d
from .shapes import conv_params, out_size, summarize

__all__ = ["Derivation", "Meeting", "Mismatch", "Rule", "Step", "derive_conv2d", "general_conv2d", "out_size",
           "conv_params", "summarize"]
