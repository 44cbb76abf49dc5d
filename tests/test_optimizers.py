"""Fused forms of two operations of the training step: Adam's update as one
kernel per variable, the projection discriminator's inner product as a sum
of products. Keras's values in each case; the report's models keep Keras's."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from mnistgen import GANGenerator, VAEGenerator, load
from mnistgen._optimizers import FusedAdam
from mnistgen._projection import RowwiseDot


def _train(optimizer, weights, grads):
    variables = [keras.Variable(w) for w in weights]

    @tf.function
    def step(gs):
        optimizer.apply_gradients(zip(gs, variables))

    for gs in grads:
        step([tf.constant(g) for g in gs])
    return [np.asarray(v) for v in variables], [np.asarray(v) for v in optimizer.variables]


@pytest.mark.parametrize("options", [dict(), dict(learning_rate=0.01, beta_1=0.5, beta_2=0.99,
                                                  epsilon=1e-3)])
def test_fused_adam_updates_as_keras_adam(options):
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(40, 30)).astype("float32"), rng.normal(size=7).astype("float32")]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in weights] for _ in range(12)]
    got, got_state = _train(FusedAdam(**options), weights, grads)
    want, want_state = _train(keras.optimizers.Adam(**options), weights, grads)
    for a, b, w in zip(got, want, weights):
        assert np.abs(a - w).max() > 1e-3  # it trained
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(got_state, want_state):  # iterations, moments
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_what_the_kernel_does_not_cover_takes_keras_step():
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(6, 4)).astype("float32")]
    grads = [[rng.normal(size=(6, 4)).astype("float32")] for _ in range(5)]
    got, _ = _train(FusedAdam(amsgrad=True), weights, grads)
    want, _ = _train(keras.optimizers.Adam(amsgrad=True), weights, grads)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    double = [w.astype("float64") for w in weights]
    got, _ = _train(FusedAdam(), double, [[g.astype("float64") for g in gs] for gs in grads])
    assert got[0].dtype == np.float64 and np.abs(got[0] - double[0]).max() > 1e-4


class _KerasAdamVAE(VAEGenerator):
    """The VAE trained by Keras's own Adam, to compare with."""

    def _make_optimizers(self):
        return {"optimizer_": keras.optimizers.Adam(self.learning_rate, beta_1=0.9, beta_2=0.999,
                                                    epsilon=1e-8)}


def test_conv_models_train_with_it_and_learn_what_keras_adam_learns():
    x = np.random.default_rng(2).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    params = dict(architecture="conv", epochs=2, batch_size=32, random_state=0)
    ours, theirs = VAEGenerator(**params).fit(x), _KerasAdamVAE(**params).fit(x)
    assert type(ours.optimizer_) is FusedAdam and type(theirs.optimizer_) is keras.optimizers.Adam
    np.testing.assert_allclose(ours.history_["loss"], theirs.history_["loss"], rtol=1e-5)


@pytest.mark.parametrize("cls", [GANGenerator, VAEGenerator])
def test_the_report_models_keep_keras_adam(cls):
    est = cls(epochs=1).fit(np.zeros((8, 28, 28), dtype=np.uint8))
    assert {type(getattr(est, name)) for name in est._optimizer_networks} == {keras.optimizers.Adam}


def test_a_saved_conv_model_resumes_with_its_fused_optimizer(tmp_path):
    x = np.random.default_rng(3).integers(0, 256, (32, 28, 28), dtype=np.uint8)
    gan = GANGenerator(architecture="conv", epochs=1, batch_size=16, random_state=0).fit(x)
    gan.save(tmp_path / "gan.mnistgen")
    loaded = load(tmp_path / "gan.mnistgen")
    assert type(loaded.g_optimizer_) is type(loaded.d_optimizer_) is FusedAdam
    for a, b in zip(gan.d_optimizer_.variables, loaded.d_optimizer_.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    gan.partial_fit(x)
    loaded.partial_fit(x)
    np.testing.assert_allclose(gan.history_["d_loss"], loaded.history_["d_loss"], rtol=1e-6)


def test_rowwise_dot_is_keras_dot_with_its_gradients():
    rng = np.random.default_rng(4)
    a, b = (tf.constant(rng.normal(size=(9, 50)), tf.float32) for _ in range(2))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        ours, theirs = RowwiseDot(axes=1)([a, b]), keras.layers.Dot(axes=1)([a, b])
    assert tuple(ours.shape) == (9, 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    for got, want in zip(tape.gradient(ours, [a, b]), tape.gradient(theirs, [a, b])):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    normalized = RowwiseDot(axes=1, normalize=True)([a, b])  # an option it leaves to Dot
    np.testing.assert_allclose(normalized, keras.layers.Dot(axes=1, normalize=True)([a, b]), rtol=1e-6)
    assert np.abs(np.asarray(normalized)).max() <= 1.0 + 1e-6


def test_the_projection_discriminator_uses_it():
    y = np.arange(16) % 4
    x = np.random.default_rng(5).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    gan = GANGenerator(architecture="conv", conditional=True, conditioning="projection", epochs=1,
                       batch_size=8, random_state=0).fit(x, y)
    assert type(gan.discriminator_.get_layer("projection")) is RowwiseDot
