"""Batch normalisation that trains through TensorFlow's fused kernel.

Keras 3's ``BatchNormalization`` computes a training step's batch statistics
and the normalisation as separate operations (a mean, a variance, a
multiply-add and each one's gradient). :class:`FusedBatchNormalization`
computes the same values with one ``FusedBatchNormV3`` operation and its
one gradient operation, which oneDNN runs as fused kernels on the CPU: the
same outputs, gradients and moving statistics to float rounding, in less
time (measured in the benchmarks' speed notes). Inference, and every
setting the fused kernel does not cover (synchronized statistics across
replicas, a mask, batch renormalisation, an axis other than the last, no
scale or no offset, weights in another dtype than float32), take Keras's
own path.
"""
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()

__all__ = ["FusedBatchNormalization"]


@keras.saving.register_keras_serializable(package="mnistgen")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` whose training step runs TensorFlow's fused kernel.

    The same parameters, weights and saved configuration as Keras's layer.
    Inputs of rank 2 are normalised as ``(batch, 1, 1, features)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen._normalization import FusedBatchNormalization
    >>> layer = FusedBatchNormalization(momentum=0.9)
    >>> x = np.random.default_rng(0).normal(2.0, 3.0, (64, 8)).astype("float32")
    >>> y = np.asarray(layer(x, training=True))
    >>> bool(np.allclose(y.mean(axis=0), 0.0, atol=1e-5)), y.shape
    (True, (64, 8))
    >>> bool(np.allclose(layer.moving_mean.numpy(), 0.1 * x.mean(axis=0), atol=1e-5))
    True
    >>> bool(np.allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(axis=0), rtol=1e-4))
    True
    """

    def _fusable(self, inputs, training, mask):
        rank = len(inputs.shape)
        axis = self.axis if self.axis >= 0 else self.axis + rank
        return (rank in (2, 4) and axis == rank - 1 and mask is None
                and not (self.synchronized or self.renorm) and self.center and self.scale
                and self.variable_dtype == "float32"
                and keras.backend.standardize_dtype(inputs.dtype) in ("float16", "bfloat16", "float32")
                and bool(training and self.trainable))

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        x = tf.cast(inputs, "float32")  # statistics in float32, as Keras's layer
        features = x.shape[-1]
        rows = x if len(x.shape) == 4 else tf.reshape(x, [-1, 1, 1, features])
        y, mean, variance = tf.compat.v1.nn.fused_batch_norm(  # weights are float32 (_fusable)
            rows, self.gamma, self.beta, epsilon=self.epsilon, is_training=True)
        # the kernel returns the variance with Bessel's correction, n / max(n - 1, 1);
        # Keras's moving variance follows the plain batch variance
        n = tf.cast(tf.size(rows) // features, "float32")
        variance = variance * tf.maximum(n - 1.0, 1.0) / n
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        if len(x.shape) == 2:
            y = tf.reshape(y, tf.shape(x))
        return tf.cast(y, self.compute_dtype)
