"""The projection discriminator's inner product, row by row, as a sum of products.

``keras.layers.Dot(axes=1)`` on two ``(batch, features)`` inputs runs as a
batched matrix multiply of ``(1, features)`` by ``(features, 1)`` matrices,
one per row, and so do its gradients: on the CPU a slow way to compute
``batch`` inner products (the epoch times are in the benchmarks' speed
notes). :class:`RowwiseDot` computes the same values as an element-wise
product summed over the features, whose gradients are element-wise too.
"""
from ._backend import get_keras

keras = get_keras()

__all__ = ["RowwiseDot"]


@keras.saving.register_keras_serializable(package="mnistgen")
class RowwiseDot(keras.layers.Dot):
    """``keras.layers.Dot(axes=1)`` of two 2-D inputs, as ``sum(a * b, axis=1)``.

    The same values as ``Dot(axes=1)`` to float rounding. Other inputs and
    options (``normalize``, other axes) fall back to ``Dot``.

    Parameters
    ----------
    axes : int, default=1
        As for ``keras.layers.Dot``.
    **kwargs
        Those of ``keras.layers.Dot``.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen._projection import RowwiseDot
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    >>> b = np.array([[5.0, 6.0], [7.0, 8.0]], dtype="float32")
    >>> np.asarray(RowwiseDot()([a, b])).ravel().tolist()
    [17.0, 53.0]
    """

    def __init__(self, axes=1, **kwargs):
        super().__init__(axes=axes, **kwargs)

    def _merge_function(self, inputs):
        a, b = inputs
        if self.normalize or self.axes not in (1, -1, [1, 1], (1, 1)) or len(a.shape) != 2 \
                or len(b.shape) != 2:
            return super()._merge_function(inputs)
        return keras.ops.sum(a * b, axis=1, keepdims=True)
