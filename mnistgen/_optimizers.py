"""Adam whose update of each variable is TensorFlow's one fused kernel.

Keras's ``Adam.update_step`` writes the update as a dozen element-wise
operations per variable (the moments, the square root, the division), each
a pass over the variable's memory with a temporary between them. On the
CPU, for the dense layers of a VAE (millions of weights), those passes cost
as much as the layers' matrix multiplies (the profiles are in the
benchmarks' speed notes). :class:`FusedAdam` computes the same update with
``ResourceApplyAdam``, one kernel per variable that reads and writes each
array once, with the formula Keras uses::

    alpha = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    m += (g - m) * (1 - beta_1);  v += (g ** 2 - v) * (1 - beta_2)
    w -= m * alpha / (sqrt(v) + epsilon)

What the kernel does not cover (AMSGrad, sparse gradients, variables that
are not float32, a ``tf.distribute`` strategy) goes through Keras's own
``update_step``. The optimizer's variables, configuration and saved state
are Adam's. The report's MLPs, whose training step XLA compiles and fuses
by itself, keep Keras's ``Adam`` (:func:`make_adam`), to the bit.
"""
from ._architectures import get_architecture
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()

__all__ = ["FusedAdam", "make_adam"]


@keras.saving.register_keras_serializable(package="mnistgen")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` updating each variable with one fused kernel.

    The same parameters, variables and updates (to float rounding) as
    ``keras.optimizers.Adam``.

    Parameters
    ----------
    **kwargs
        Those of ``keras.optimizers.Adam``.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from mnistgen._optimizers import FusedAdam
    >>> w = keras.Variable(np.ones(3, dtype="float32"))
    >>> _ = FusedAdam(learning_rate=0.1).apply_gradients([(np.ones(3, dtype="float32"), w)])
    >>> [round(float(v), 4) for v in np.asarray(w)]
    [0.9, 0.9, 0.9]
    """

    def update_step(self, gradient, variable, learning_rate):
        if not self._fusable(gradient, variable):
            return super().update_step(gradient, variable, learning_rate)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index].value, self._velocities[index].value
        step = tf.cast(self.iterations + 1, "float32")
        return tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=m.handle, v=v.handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, "float32"), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, "float32"), step),
            lr=tf.cast(learning_rate, "float32"), beta1=tf.cast(self.beta_1, "float32"),
            beta2=tf.cast(self.beta_2, "float32"), epsilon=tf.cast(self.epsilon, "float32"),
            grad=tf.cast(gradient, "float32"))

    def _fusable(self, gradient, variable):
        """Whether the fused kernel computes this update (else Keras's own step)."""
        return (not self.amsgrad and not isinstance(gradient, tf.IndexedSlices)
                and isinstance(variable, tf.Variable) and variable.dtype == tf.float32
                and not tf.distribute.has_strategy())


def make_adam(architecture, learning_rate, beta_1, beta_2):
    """The Adam optimizer of a trainer of ``architecture`` (``"mlp"`` or ``"conv"``).

    :class:`FusedAdam` where the architecture asks for it
    (:data:`mnistgen._architectures.ARCHITECTURES`: the convolutional
    models, which train without XLA by default); else Keras's ``Adam`` (the
    report's MLPs, whose step XLA compiles and fuses by itself, so that
    they train as they always did, to the bit). ``epsilon`` is PyTorch's
    1e-8.
    """
    adam = FusedAdam if get_architecture(architecture).fused_adam else keras.optimizers.Adam
    return adam(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=1e-8)
