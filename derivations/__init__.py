"""gradproof derivations: exact SymPy forward and backward formulas, with their rules proved.

This package imports SymPy only: no numpy, no rich. Each ``derive_*`` returns a frozen ``Derivation``.
"""
from ._types import Derivation, Meeting, Mismatch, Rule, Step
from .conv import derive_conv2d, out_size

__all__ = ["Derivation", "Meeting", "Mismatch", "Rule", "Step", "derive_conv2d", "out_size"]
