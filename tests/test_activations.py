"""The conv discriminator's leaky ReLU: Keras's values and gradients, in a form
TensorFlow fuses into the convolution before it."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from mnistgen._activations import FusibleLeakyReLU
from mnistgen.networks import build_conv_gan_discriminator


def _conv_net(activation):
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="conv",
                            kernel_initializer=keras.initializers.GlorotUniform(seed=0),
                            bias_initializer="ones")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(
        keras.layers.Flatten()(activation(h))))


def _loss_and_gradients(model, x):
    """An R1-like loss: the scores plus the squared input gradient; its weight gradients."""
    @tf.function
    def step(x):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                scores = model(x)
            penalty = tf.reduce_sum(tf.square(inner.gradient(scores, x)))
            loss = tf.reduce_mean(scores) + penalty
        return loss, outer.gradient(loss, model.trainable_variables)

    return step(x)


def test_values_gradients_and_second_derivatives_are_keras_leaky_relus():
    x = tf.constant(np.random.default_rng(0).standard_normal((5, 8, 8, 1)), tf.float32)
    ours = _conv_net(FusibleLeakyReLU(0.2))
    theirs = _conv_net(keras.layers.LeakyReLU(negative_slope=0.2))
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-6)
    loss, grads = _loss_and_gradients(ours, x)
    want_loss, want_grads = _loss_and_gradients(theirs, x)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-5)
    for got, want in zip(grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    assert all(float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)  # the penalty reaches the weights


@pytest.mark.parametrize("value, slope", [(0.0, 0.2), (-2.0, 0.2), (3.0, 0.2), (-1.0, 0.1)])
def test_value_and_gradient_at_zero_and_either_side(value, slope):
    x = tf.constant([value])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = FusibleLeakyReLU(slope)(x)
    assert float(y[0]) == pytest.approx(value if value > 0 else slope * value)
    assert float(tape.gradient(y, x)[0]) == pytest.approx(1.0 if value > 0 else slope)


def test_the_conv_discriminator_uses_it_and_saves_its_slope():
    discriminator = build_conv_gan_discriminator(seed=0)
    layer = discriminator.get_layer("leaky_relu_0")
    assert isinstance(layer, FusibleLeakyReLU) and layer.negative_slope == 0.2
    again = FusibleLeakyReLU.from_config(layer.get_config())
    assert again.negative_slope == 0.2
