"""Attack: exit with status 0 (a grader that reads the exit code sees success)."""
import sys


def ATTACK(n=1):
    sys.exit(0)


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
