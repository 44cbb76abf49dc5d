"""Inference with each batch normalisation folded into the layer before it.

In inference mode a batch normalisation is a per-channel multiply-add,
``s * h + t`` with ``s = gamma / sqrt(moving_variance + epsilon)`` and ``t =
beta - moving_mean * s``. After a dense layer or a (transposed) convolution
without activation it folds into that layer: its kernel's output channels
scaled by ``s``, its bias to ``s * bias + t``. :func:`folded_call` runs a
network so, reading the weights at each call (a network that trains on, or
an averaged generator, folds its current weights): the same outputs to
float rounding, two passes over each normalised activation fewer (the
GAN generators' ``sample``; measured in ``benchmarks/SPEED_NOTES.md``).

It walks the Keras functional graph (``Functional._run_through_graph``, the
walk of Keras's own ``call``); a network it cannot read is run unfolded.
"""
from ._backend import get_keras

keras = get_keras()
ops = keras.ops

__all__ = ["foldable_pairs", "folded_call"]

#: The layers a following batch normalisation folds into, and the axis of
#: their kernel that holds the output channels (subclasses included).
OUTPUT_AXIS = {
    keras.layers.Dense: -1,
    keras.layers.Conv2D: -1,
    keras.layers.Conv2DTranspose: -2,
}


def _output_axis(layer):
    for cls, axis in OUTPUT_AXIS.items():
        if isinstance(layer, cls):
            return axis
    return None


def foldable_pairs(model):
    """``{id(layer): batch_norm}``: each batch normalisation (on the last
    axis) that alone reads the output of a foldable layer without activation."""
    pairs = {}
    if not hasattr(model, "_run_through_graph"):  # not a functional model of this Keras
        return pairs
    try:
        for bn in model.layers:
            if not isinstance(bn, keras.layers.BatchNormalization) or bn.axis not in (-1, len(
                    bn.input.shape) - 1):
                continue
            before = bn.input._keras_history.operation
            if (_output_axis(before) is None or len(before._outbound_nodes) != 1
                    or before.activation is not keras.activations.linear):
                continue
            pairs[id(before)] = bn
    except AttributeError:  # a Keras whose graph this does not know how to read
        return {}
    return pairs


def _folded(layer, bn):
    """``layer`` followed by ``bn`` (inference mode) as one call of ``layer``."""
    axis = _output_axis(layer)

    def run(x, **kwargs):
        gamma = bn.gamma if bn.scale else 1.0
        s = gamma * ops.rsqrt(bn.moving_variance + bn.epsilon)
        t = (bn.beta if bn.center else 0.0) - bn.moving_mean * s
        shape = [1] * len(layer.kernel.shape)
        shape[axis] = -1
        mapping = [(layer.kernel, layer.kernel * ops.reshape(s, shape))]
        if layer.use_bias:
            mapping.append((layer.bias, layer.bias * s))
        with keras.StatelessScope(state_mapping=mapping):  # the layer, with these weights
            out = layer(x, **kwargs)
        return out + ops.cast(t, out.dtype)

    return run


def folded_call(model, inputs, pairs):
    """``model(inputs)`` in inference mode with the batch normalisations of
    ``pairs`` (from :func:`foldable_pairs`) folded into the layers before them."""
    skipped = {id(bn) for bn in pairs.values()}

    def operation_fn(op):
        if id(op) in skipped:
            return lambda x, **kwargs: x
        if id(op) in pairs:
            return _folded(op, pairs[id(op)])
        return op

    return model._run_through_graph(inputs, operation_fn=operation_fn)
