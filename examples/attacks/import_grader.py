"""Attack: borrow the grader's own reference code (and torch) to compute the answers."""
import os
import sys

sys.path[:0] = [os.environ.get("PWD", "."), "..", "../.."]


def ATTACK(n=1):
    from checker.ops import conv2d_forward  # noqa: F401
    import torch  # noqa: F401
    return None


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
