"""A leaky ReLU that TensorFlow's graph optimizer can fuse into the convolution before it.

TensorFlow's graph optimizer (grappler's remapper) fuses a convolution, its
bias and a ``LeakyRelu`` op into one kernel. The op's own gradient reads the
op's input, the bias output that the fused kernel no longer produces, so in
a training step the rewrite fails, for the whole step, with a "remapper
failed" error line on stderr. :class:`FusibleLeakyReLU` computes the same
values with the same op and gives it a gradient that reads the output
instead (the output is positive exactly where the input is), so the fusion
applies and nothing is printed. Its gradient is differentiable again, for
penalties on the discriminator's input gradient (R1, WGAN-GP).
"""
from ._backend import get_keras, get_tensorflow

keras = get_keras()
tf = get_tensorflow()

__all__ = ["FusibleLeakyReLU", "leaky_relu"]


def leaky_relu(x, negative_slope):
    """``max(x, negative_slope * x)`` whose gradient reads the output, not ``x``."""
    @tf.custom_gradient
    def forward(x):
        y = tf.nn.leaky_relu(x, negative_slope)

        def grad(dy):
            # stop_gradient: a second derivative must not reach back into the
            # forward op (whose own gradient would read x again); the slope
            # does not depend on y anyway
            return tf.raw_ops.LeakyReluGrad(gradients=dy, features=tf.stop_gradient(y),
                                            alpha=negative_slope)

        return y, grad

    return forward(x)


@keras.saving.register_keras_serializable(package="mnistgen")
class FusibleLeakyReLU(keras.layers.Layer):
    """``keras.layers.LeakyReLU`` in a form grappler fuses into a convolution before it.

    The same values and gradients as ``LeakyReLU(negative_slope)``.

    Parameters
    ----------
    negative_slope : float, default=0.2
        Slope for negative inputs.
    **kwargs
        Those of ``keras.layers.Layer``.
    """

    def __init__(self, negative_slope=0.2, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return leaky_relu(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
