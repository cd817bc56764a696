"""checker: the proven rules as numpy, and finite-difference verdicts that localise (see checker.check);
whole networks layer by layer (checker.layerwise)."""
from checker.adjoint import AdjointResult, adjoint_check
from checker.check import CheckResult, Note, assert_backward, check_backward, cs231n_pair, judge_gradients
from checker.colouring import conv2d_structure, pool2d_structure
from checker.layerwise import Layer, NetworkResult, check_network, class_layer, cross_entropy, cs231n_layer
from checker.verdict import ArgResult, Element

__all__ = ["AdjointResult", "ArgResult", "CheckResult", "Element", "Layer", "NetworkResult", "Note", "adjoint_check",
           "assert_backward", "check_backward", "check_network", "class_layer", "conv2d_structure", "cross_entropy",
           "cs231n_layer", "cs231n_pair", "judge_gradients", "pool2d_structure"]
