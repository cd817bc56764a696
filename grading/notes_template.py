'''The student template of the ``notes-cnn`` interface: the three classes with their methods to fill in.

>>> "class Softmax" in TEMPLATE and "def backprop(self, d_L_d_out, learn_rate)" in TEMPLATE
True
'''

TEMPLATE = '''"""The course notes' CNN: Conv3x3, MaxPool2, Softmax, forward and backprop (notes-cnn interface).

Fill in every method below; keep the class names, the attribute names (self.filters, self.weights,
self.biases) and the signatures. The grader builds each class, sets its weights, calls forward and then
backprop, and reads your weight gradients from your update: W_after = W_before - learn_rate * dL/dW.
So compute d_L_d_input with the weights as they were BEFORE the update, then update.

Shapes: Conv3x3: input (h, w) -> (h - 2, w - 2, num_filters), valid padding, filters (num_filters, 3, 3).
MaxPool2: (h, w, c) -> (h // 2, w // 2, c), 2x2 windows, stride 2 (an odd last row/column is dropped).
Softmax: any input shape, flattened row-major (input.flatten()) -> (nodes,) probabilities;
weights (input_len, nodes), biases (nodes,). Softmax.backprop is given the gradient of -ln p[label]:
one nonzero entry, -1 / p[label]. At tied maxima in a 2x2 window give the gradient to ONE of them
(or split it among them so that the shares add up to it), never the whole gradient to each.

Rules: use numpy only; do not modify the arrays you are given (copy them first); return
floating-point numpy arrays. The grader runs many cases (notes-cnn interface).
"""
import numpy as np


class Conv3x3:
    """num_filters 3x3 filters, valid padding, one input channel."""

    def __init__(self, num_filters):
        self.num_filters = num_filters
        self.filters = np.random.randn(num_filters, 3, 3) / 9

    def forward(self, input):
        """input (h, w) -> (h - 2, w - 2, num_filters)."""
        raise NotImplementedError("Conv3x3.forward is not written yet")

    def backprop(self, d_L_d_out, learn_rate):
        """d_L_d_out (h - 2, w - 2, num_filters): update self.filters (returning d_L_d_input is optional)."""
        raise NotImplementedError("Conv3x3.backprop is not written yet")


class MaxPool2:
    """2x2 max pooling, stride 2."""

    def forward(self, input):
        """input (h, w, c) -> (h // 2, w // 2, c)."""
        raise NotImplementedError("MaxPool2.forward is not written yet")

    def backprop(self, d_L_d_out):
        """d_L_d_out (h // 2, w // 2, c) -> d_L_d_input (h, w, c)."""
        raise NotImplementedError("MaxPool2.backprop is not written yet")


class Softmax:
    """A dense layer with softmax."""

    def __init__(self, input_len, nodes):
        self.weights = np.random.randn(input_len, nodes) / input_len
        self.biases = np.zeros(nodes)

    def forward(self, input):
        """input of any shape -> (nodes,) probabilities."""
        raise NotImplementedError("Softmax.forward is not written yet")

    def backprop(self, d_L_d_out, learn_rate):
        """d_L_d_out (nodes,) -> d_L_d_input (the input's shape); update self.weights and self.biases."""
        raise NotImplementedError("Softmax.backprop is not written yet")
'''
