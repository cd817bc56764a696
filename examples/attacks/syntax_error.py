"""A submission with a syntax error: every function gets zero, nothing crashes."""


def conv_forward_naive(x, w, b, conv_param)
    return None
