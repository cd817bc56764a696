"""Attack: print PASS lines and write a perfect results.json wherever possible."""
import json
import os

for where in (".", "/autograder/results", "/tmp"):
    try:
        with open(os.path.join(where, "results.json"), "w") as fh:
            json.dump({"score": 100, "tests": []}, fh)
    except OSError:
        pass


def ATTACK(n=1):
    print("PASS: all tests passed\nscore: 100/100")
    return None


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
