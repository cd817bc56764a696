"""checker: the proven rules as numpy, and finite-difference verdicts that localise (see checker.check)."""
from checker.adjoint import AdjointResult, adjoint_check
from checker.check import CheckResult, Note, assert_backward, check_backward, cs231n_pair, judge_gradients
from checker.colouring import conv2d_structure, pool2d_structure
from checker.verdict import ArgResult, Element

__all__ = ["AdjointResult", "ArgResult", "CheckResult", "Element", "Note", "adjoint_check", "assert_backward",
           "check_backward", "conv2d_structure", "cs231n_pair", "judge_gradients", "pool2d_structure"]
