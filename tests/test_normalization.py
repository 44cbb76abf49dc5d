"""The conv generator's batch normalisation: Keras's values, gradients and moving
statistics, trained through TensorFlow's fused kernel."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from mnistgen import GANGenerator, load
from mnistgen._normalization import FusedBatchNormalization
from mnistgen.networks import build_conv_gan_generator, build_gan_generator


def _pair(shape, **options):
    """A fused and a Keras layer built with the same (non-trivial) weights."""
    ours, theirs = FusedBatchNormalization(**options), keras.layers.BatchNormalization(**options)
    for layer in (ours, theirs):
        layer.build(shape)
    rng = np.random.default_rng(1)
    weights = [rng.uniform(0.5, 1.5, shape[-1]), rng.normal(0, 1, shape[-1]),
               rng.normal(0, 1, shape[-1]), rng.uniform(0.5, 2.0, shape[-1])]
    weights = [w.astype("float32") for w in weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def _train_call(layer, x, upstream):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * upstream)
    return y, tape.gradient(loss, [x] + layer.trainable_variables)


@pytest.mark.parametrize("shape", [(64, 12), (16, 7, 7, 5), (1, 3)])
@pytest.mark.parametrize("epsilon", [1e-3, 0.8])
def test_training_matches_keras_values_gradients_and_moving_statistics(shape, epsilon):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(3.0, 2.0, shape), tf.float32)
    upstream = tf.constant(rng.normal(0.0, 1.0, shape), tf.float32)
    ours, theirs = _pair(shape, momentum=0.9, epsilon=epsilon)
    y, grads = _train_call(ours, x, upstream)
    want_y, want_grads = _train_call(theirs, x, upstream)
    np.testing.assert_allclose(y, want_y, rtol=1e-5, atol=1e-5)
    for got, want in zip(grads, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for got, want in zip(ours.non_trainable_weights, theirs.non_trainable_weights):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    # inference reads the moving statistics, as Keras's layer does
    np.testing.assert_allclose(ours(x, training=False), theirs(x, training=False), rtol=1e-5, atol=1e-5)


def test_mixed_bfloat16_keeps_the_layer_dtype_and_keras_values():
    shape = (32, 4, 4, 6)
    x = tf.constant(np.random.default_rng(2).normal(1.0, 2.0, shape), tf.float32)
    ours = FusedBatchNormalization(dtype="mixed_bfloat16")
    theirs = keras.layers.BatchNormalization(dtype="mixed_bfloat16")
    y, want = ours(tf.cast(x, "bfloat16"), training=True), theirs(tf.cast(x, "bfloat16"), training=True)
    assert y.dtype == want.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(y, tf.float32), tf.cast(want, tf.float32), atol=0.05)


@pytest.mark.parametrize("options", [dict(axis=1), dict(center=False), dict(scale=False),
                                     dict(renorm=True), dict(dtype="float64")])
def test_settings_the_fused_kernel_does_not_cover_take_keras_path(options):
    x = tf.constant(np.random.default_rng(3).normal(0, 1, (8, 4, 4, 3)), options.get("dtype", "float32"))
    ours, theirs = FusedBatchNormalization(**options), keras.layers.BatchNormalization(**options)
    y, want = ours(x, training=True), theirs(x, training=True)
    assert y.dtype == want.dtype
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    for got, want in zip(ours.non_trainable_weights, theirs.non_trainable_weights):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_a_frozen_layer_normalises_with_its_moving_statistics_and_keeps_them():
    shape = (16, 6)
    x = tf.constant(np.random.default_rng(5).normal(2.0, 3.0, shape), tf.float32)
    ours, theirs = _pair(shape)
    before = [ours.moving_mean.numpy(), ours.moving_variance.numpy()]
    ours.trainable = theirs.trainable = False
    np.testing.assert_allclose(ours(x, training=True), theirs(x, training=True), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ours.moving_mean.numpy(), before[0])
    np.testing.assert_array_equal(ours.moving_variance.numpy(), before[1])


def test_the_conv_generator_uses_it_and_the_mlp_generator_keeps_keras_layer():
    conv = build_conv_gan_generator(seed=0)
    norms = [layer for layer in conv.layers if "batch_norm" in layer.name]
    assert len(norms) == 2 and all(isinstance(layer, FusedBatchNormalization) for layer in norms)
    mlp = build_gan_generator(seed=0)
    norms = [layer for layer in mlp.layers if "batch_norm" in layer.name]
    assert norms and not any(isinstance(layer, FusedBatchNormalization) for layer in norms)


def test_a_saved_conv_gan_loads_with_the_fused_layer_and_samples_the_same(tmp_path):
    x = np.random.default_rng(4).uniform(0, 1, (128, 28, 28)).astype("float32")
    gan = GANGenerator(architecture="conv", epochs=1, batch_size=32, random_state=0).fit(x)
    gan.save(tmp_path / "gan.mnistgen")
    again = load(tmp_path / "gan.mnistgen")
    assert isinstance(again.generator_.get_layer("batch_norm_1"), FusedBatchNormalization)
    np.testing.assert_array_equal(gan.sample(8, random_state=1), again.sample(8, random_state=1))
