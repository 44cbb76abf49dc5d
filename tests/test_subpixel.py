"""The sub-pixel layers compute Keras's convolutions: same values, same gradients.

``mnistgen._subpixel`` replaces TensorFlow's slow one-channel kernels on the
image side of the conv networks (the speed is measured by
``benchmarks/bench_conv_speed.py``); these tests check that nothing about the
model changes: outputs and the gradients with respect to the input, kernel
and bias equal those of ``keras.layers.Conv2D`` / ``Conv2DTranspose`` with
the same weights, with and without XLA, and the layers save and load.
"""
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from mnistgen import GANGenerator, VAEGenerator  # noqa: E402
from mnistgen._subpixel import (SubpixelConv2D, SubpixelConv2DTranspose, conv_transpose,  # noqa: E402
                               label_term)
from mnistgen.networks import (build_conv_gan_discriminator, build_conv_gan_generator,  # noqa: E402
                               build_conv_vae_decoder, build_conv_vae_encoder)

PAIRS = {"conv": (SubpixelConv2D, keras.layers.Conv2D),
         "transpose": (SubpixelConv2DTranspose, keras.layers.Conv2DTranspose)}


def _twins(kind, filters, kernel_size, x, **kwargs):
    """A sub-pixel layer and the plain Keras layer, built on ``x``, with the same weights."""
    fast_class, plain_class = PAIRS[kind]
    fast = fast_class(filters, kernel_size, **kwargs)
    plain = plain_class(filters, kernel_size, **kwargs)
    fast(x), plain(x)
    plain.set_weights(fast.get_weights())
    return fast, plain


def _value_and_gradients(layer, x, jit_compile=False):
    @tf.function(jit_compile=jit_compile)
    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * tf.sin(3.0 * y))  # a gradient that differs per pixel
        return [y] + tape.gradient(loss, [x] + layer.trainable_variables)
    return [t.numpy() for t in run(x)]


def _assert_same(fast_values, plain_values):
    names = ["output", "input gradient", "kernel gradient", "bias gradient"]
    for name, a, b in zip(names, fast_values, plain_values):
        assert a.shape == b.shape, name
        scale = np.abs(b).max()
        assert scale > 0, name
        # float32 sums in another order: a bias gradient sums thousands of terms
        np.testing.assert_allclose(a, b, atol=1e-4 * scale, rtol=0, err_msg=name)


def _input(shape, seed=0):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape, dtype=np.float32))


@pytest.mark.parametrize("kernel_size", [3, 4, 5])
@pytest.mark.parametrize("in_channels, filters", [(1, 8), (11, 16), (3, 2)])
def test_conv_values_and_gradients_are_keras(kernel_size, in_channels, filters):
    x = _input((3, 28, 28, in_channels))
    fast, plain = _twins("conv", filters, kernel_size, x, strides=2, padding="same")
    _assert_same(_value_and_gradients(fast, x), _value_and_gradients(plain, x))


@pytest.mark.parametrize("kernel_size", [3, 4, 5])
@pytest.mark.parametrize("in_channels, filters", [(8, 1), (16, 11), (2, 3)])
def test_transpose_values_and_gradients_are_keras(kernel_size, in_channels, filters):
    x = _input((3, 14, 14, in_channels))
    fast, plain = _twins("transpose", filters, kernel_size, x, strides=2, padding="same",
                         activation="tanh")
    _assert_same(_value_and_gradients(fast, x), _value_and_gradients(plain, x))


@pytest.mark.parametrize("kind, shape", [("conv", (2, 28, 28, 1)), ("transpose", (2, 14, 14, 8))])
def test_same_under_xla(kind, shape):
    x = _input(shape)
    fast, plain = _twins(kind, 3, 5, x, strides=2, padding="same")
    _assert_same(_value_and_gradients(fast, x, jit_compile=True), _value_and_gradients(plain, x))


@pytest.mark.parametrize("kind", ["conv", "transpose"])
@pytest.mark.parametrize("shape, kwargs", [
    ((2, 9, 9, 1), dict(strides=2, padding="same")),        # odd size: Keras's own computation
    ((2, 8, 8, 1), dict(strides=1, padding="same")),
    ((2, 8, 8, 1), dict(strides=2, padding="valid")),
    ((2, 8, 8, 1), dict(strides=(2, 1), padding="same")),
])
def test_other_configurations_fall_back_to_keras(kind, shape, kwargs):
    x = _input(shape)
    fast, plain = _twins(kind, 4, 3, x, **kwargs)
    _assert_same(_value_and_gradients(fast, x), _value_and_gradients(plain, x))


def _labels(batch, n_labels, seed=1):
    return tf.constant(np.eye(n_labels, dtype=np.float32)[
        np.random.default_rng(seed).integers(0, n_labels, batch)])


def _with_label_maps(images, labels):
    """``images`` with the one-hot ``labels`` broadcast over them as more channels."""
    maps = tf.broadcast_to(labels[:, None, None, :], images.shape[:3] + (labels.shape[-1],))
    return tf.concat([images, maps], axis=-1)


def _labelled_twins(filters, kernel_size, images, labels, **kwargs):
    """A layer on [images, labels] and Keras's Conv2D on the label maps, same weights."""
    fast = SubpixelConv2D(filters, kernel_size, label_channels=labels.shape[-1], **kwargs)
    plain = keras.layers.Conv2D(filters, kernel_size, **kwargs)
    fast([images, labels]), plain(_with_label_maps(images, labels))
    fast.set_weights(plain.get_weights())
    return fast, plain


def _labelled_values_and_gradients(layer, images, labels, maps):
    @tf.function
    def run(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            y = layer(_with_label_maps(images, labels) if maps else [images, labels])
            loss = tf.reduce_sum(y * tf.sin(3.0 * y))
        return [y] + tape.gradient(loss, [images] + layer.trainable_variables)
    return [t.numpy() for t in run(images)]


@pytest.mark.parametrize("kernel_size", [4, 5])
@pytest.mark.parametrize("image_channels, n_labels, size", [(1, 10, 28), (3, 50, 28), (1, 4, 9)])
def test_label_channels_are_keras_on_label_maps(kernel_size, image_channels, n_labels, size):
    """Outputs and image, kernel and bias gradients; 9x9 takes Keras's own path."""
    images, labels = _input((4, size, size, image_channels)), _labels(4, n_labels)
    fast, plain = _labelled_twins(16, kernel_size, images, labels, strides=2, padding="same")
    _assert_same(_labelled_values_and_gradients(fast, images, labels, maps=False),
                 _labelled_values_and_gradients(plain, images, labels, maps=True))


@pytest.mark.parametrize("n_labels", [0, 10])
def test_second_order_gradients_are_keras(n_labels):
    """Penalties on the input gradient (R1, WGAN-GP) train the kernel as through Conv2D."""
    x = _input((3, 28, 28, 1))
    if n_labels:
        labels = _labels(3, n_labels)
        fast, plain = _labelled_twins(8, 5, x, labels, strides=2, padding="same")
        fast_input, plain_input = (lambda: [x, labels]), (lambda: _with_label_maps(x, labels))
    else:
        fast, plain = _twins("conv", 8, 5, x, strides=2, padding="same")
        fast_input = plain_input = lambda: x  # noqa: E731

    def penalty_gradient(layer, inputs):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.sin(layer(inputs())))
            penalty = tf.reduce_sum(tf.square(inner.gradient(y, x)))
        return [g.numpy() for g in outer.gradient(penalty, layer.trainable_variables)]

    for a, b in zip(penalty_gradient(fast, fast_input), penalty_gradient(plain, plain_input)):
        np.testing.assert_allclose(a, b, atol=2e-6 * np.abs(b).max(), rtol=0)


def test_label_term_is_the_convolution_of_label_maps():
    labels = _labels(5, 3)
    kernel = _input((5, 5, 3, 4), seed=2)
    expected = tf.nn.conv2d(_with_label_maps(tf.zeros((5, 12, 8, 0)), labels), kernel, 2, "SAME")
    np.testing.assert_allclose(label_term(labels, kernel, (12, 8)), expected, atol=1e-5)


def test_conditional_discriminator_reads_its_label_channels_apart():
    model = build_conv_gan_discriminator(seed=0, n_classes=10)
    assert model.get_layer("conv_0").label_channels == 10
    # the weights of the layer on the label maps: files of either kind hold the same arrays
    assert tuple(model.get_layer("conv_0").kernel.shape) == (5, 5, 11, 32)
    # under spectral normalisation (a wrapper of one input), on the label maps
    spectral = build_conv_gan_discriminator(seed=0, n_classes=10, spectral_norm=True)
    assert tuple(spectral.get_layer("conv_0").layer.kernel.shape) == (5, 5, 11, 32)
    x, labels = np.zeros((2, 784), np.float32), np.eye(10, dtype=np.float32)[[3, 4]]
    assert tuple(spectral([x, labels], training=True).shape) == (2, 1)
    config = model.get_layer("conv_0").get_config()
    assert SubpixelConv2D.from_config(config).label_channels == 10
    projection = build_conv_gan_discriminator(seed=0, n_classes=10, projection=True)
    assert projection.get_layer("conv_0").label_channels == 0


def test_conv_transpose_is_tensorflows():
    x = _input((2, 7, 5, 6))
    kernel = _input((5, 5, 3, 6), seed=1)
    expected = tf.nn.conv2d_transpose(x, kernel, (2, 14, 10, 3), 2, "SAME")
    np.testing.assert_allclose(conv_transpose(x, kernel), expected, atol=1e-5)


@pytest.mark.parametrize("builder, image_side", [
    (build_conv_gan_generator, {"pixels": SubpixelConv2DTranspose}),
    (build_conv_vae_decoder, {"pixels": SubpixelConv2DTranspose}),
    (build_conv_gan_discriminator, {"conv_0": SubpixelConv2D}),
    (build_conv_vae_encoder, {}),
])
def test_only_the_image_side_of_the_networks_uses_them(builder, image_side):
    model = builder(seed=0)
    for layer in model.layers:
        inner = getattr(layer, "layer", layer)  # spectral normalization wraps the layer
        is_subpixel = isinstance(inner, (SubpixelConv2D, SubpixelConv2DTranspose))
        assert is_subpixel == (layer.name in image_side), layer.name
        if is_subpixel:
            assert type(inner) is image_side[layer.name]


def test_spectral_norm_discriminator_keeps_the_subpixel_layer():
    model = build_conv_gan_discriminator(seed=0, spectral_norm=True)
    assert isinstance(model.get_layer("conv_0").layer, SubpixelConv2D)


@pytest.mark.parametrize("cls", [GANGenerator, VAEGenerator])
def test_a_saved_conv_model_loads_in_a_fresh_process(cls, images, tmp_path):
    est = cls(architecture="conv", conv_filters=(4, 8), epochs=1, batch_size=32,
              random_state=0).fit(images[:64])
    path = est.save(tmp_path / "conv.mnistgen")
    np.save(tmp_path / "expected.npy", est.sample(3, random_state=5))
    code = ("import sys, numpy as np, mnistgen; "
            "s = mnistgen.load(sys.argv[1]).sample(3, random_state=5); "
            "np.testing.assert_array_equal(s, np.load(sys.argv[2]))")
    done = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "expected.npy")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_conditional_conv_encoder_convolves_the_label_maps_it_does_not_build():
    encoder = build_conv_vae_encoder(n_classes=3, latent_dim=4, seed=0)
    layer = encoder.get_layer("conv_0")
    assert isinstance(layer, SubpixelConv2D) and layer.label_channels == 3
    rows = tf.constant(np.random.default_rng(2).random((5, 784), dtype=np.float32))
    labels = _labels(5, 3)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 1 + 3, 32)  # the same weights as on label maps
    maps = _with_label_maps(tf.reshape(rows, (5, 28, 28, 1)), labels)
    want = tf.nn.relu(tf.nn.conv2d(maps, kernel, 2, "SAME") + bias)
    got = keras.Model(encoder.inputs, layer.output)([rows, labels])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
