"""GANGenerator: the report's architecture, update order, sampling."""
import numpy as np
import pytest

from mnistgen import GANGenerator

from conftest import SMALL_GAN, weights_equal


def _dense(model):
    return [l for l in model.layers if l.__class__.__name__ == "Dense"]


def test_defaults_are_the_report_gan():
    gan = GANGenerator()
    assert (gan.latent_dim, gan.generator_units, gan.discriminator_units, gan.batch_size,
            gan.learning_rate, gan.beta_1) == (100, (128, 256, 512, 1024), (512, 256), 64, 2e-4, 0.5)
    gan.set_params(epochs=1).fit(np.zeros((10, 28, 28), dtype=np.uint8))
    g, d = gan.generator_, gan.discriminator_
    import keras

    for net in (g, d):  # functional models, not Sequential stacks
        assert isinstance(net, keras.Model) and not isinstance(net, keras.Sequential)
    assert tuple(g.inputs[0].shape) == (None, 100)
    assert [l.units for l in _dense(g)] == [128, 256, 512, 1024, 784]
    assert _dense(g)[-1].activation.__name__ == "tanh"
    bns = [l for l in g.layers if l.__class__.__name__ == "BatchNormalization"]
    assert [l.epsilon for l in bns] == [0.8] * 3 and [l.momentum for l in bns] == [0.9] * 3
    # batch norm follows the 256, 512 and 1024 layers, not the 128 one
    names = [l.__class__.__name__ for l in g.layers[1:]]
    assert names[:2] == ["Dense", "LeakyReLU"] and names[2:5] == ["Dense", "BatchNormalization", "LeakyReLU"]
    leaky = [l for l in g.layers + d.layers if l.__class__.__name__ == "LeakyReLU"]
    assert len(leaky) == 6 and all(l.negative_slope == pytest.approx(0.2) for l in leaky)
    assert [l.units for l in _dense(d)] == [512, 256, 1]
    assert _dense(d)[-1].activation.__name__ == "sigmoid"
    for opt in (gan.g_optimizer_, gan.d_optimizer_):
        assert opt.__class__.__name__ == "Adam"
        assert np.isclose(float(np.asarray(opt.learning_rate)), 2e-4)
        assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.5, 0.999, 1e-8)


def test_one_step_is_generator_then_discriminator_on_the_same_batch():
    """Recompute one training step by hand and compare the updated weights."""
    import keras
    from keras import ops

    from mnistgen._gan_losses import GAN_LOSSES
    from mnistgen._gan_trainer import GANTrainer
    from mnistgen.networks import build_gan_discriminator, build_gan_generator

    def make():
        g = build_gan_generator(16, 4, (8, 8), seed=1)
        d = build_gan_discriminator(16, (8,), seed=2)
        opts = [keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)]
        return g, d, opts

    rng = np.random.default_rng(0)
    real = rng.random((6, 16), dtype=np.float32)
    z = rng.standard_normal((6, 4)).astype(np.float32)
    g, d, (go, do) = make()
    trainer = GANTrainer(g, d, 4, go, do, GAN_LOSSES["bce"])
    trainer.compile()
    # a group of one batch and one batch of padding, which must not train;
    # each row carries its generator input z
    padding = rng.random((6, 20), dtype=np.float32)
    group = ops.convert_to_tensor(np.stack([np.hstack([real, z]), padding]))
    logs = trainer.train_step((group, ops.convert_to_tensor(1, dtype="int32")))

    # by hand: the same z, G step first, then D on the G output
    g2, d2, (go2, do2) = make()
    import tensorflow as tf

    bce = lambda t, p: ops.mean(ops.binary_crossentropy(t, p))
    with tf.GradientTape() as tape:
        fake = g2(z, training=True)
        g_loss = bce(ops.ones((6, 1)), d2(fake, training=True))
    go2.apply_gradients(zip(tape.gradient(g_loss, g2.trainable_variables), g2.trainable_variables))
    with tf.GradientTape() as tape:
        d_loss = 0.5 * (bce(ops.ones((6, 1)), d2(real * 2 - 1, training=True))
                        + bce(ops.zeros((6, 1)), d2(fake, training=True)))
    do2.apply_gradients(zip(tape.gradient(d_loss, d2.trainable_variables), d2.trainable_variables))

    for a, b in zip(g.get_weights() + d.get_weights(), g2.get_weights() + d2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert float(logs["g_loss"]) == pytest.approx(float(g_loss), rel=1e-5)
    assert float(logs["d_loss"]) == pytest.approx(float(d_loss), rel=1e-5)


def test_history_and_samples(fitted_gan):
    h = fitted_gan.history_
    assert sorted(h) == ["d_fake", "d_loss", "d_real", "g_loss"]
    assert all(len(v) == 2 for v in h.values())
    assert all(0.0 <= v <= 1.0 for v in h["d_real"] + h["d_fake"])
    s = fitted_gan.sample(9)
    assert s.shape == (9, 8, 8) and s.dtype == np.float32
    assert s.min() >= 0.0 and s.max() <= 1.0


def test_gan_has_no_transform():
    assert not hasattr(GANGenerator(), "transform")
    assert not hasattr(GANGenerator(), "score")


@pytest.mark.xla
def test_discriminator_learns_on_mnist(mnist):
    gan = GANGenerator(epochs=2, random_state=0).fit(mnist[0][:1500])
    h = gan.history_
    # the discriminator tells the early generator's images from real digits
    assert h["d_real"][-1] > h["d_fake"][-1]
    assert np.all(np.isfinite(h["g_loss"]))


@pytest.mark.parametrize("shape", [(40, 8, 8), (40, 8, 8, 1), (40, 64)])
def test_sample_shaped_like_training_rows(shape):
    X = np.random.default_rng(0).random(shape, dtype=np.float32)
    gan = GANGenerator(**{**SMALL_GAN, "epochs": 1}).fit(X)
    assert gan.sample(3).shape == (3,) + shape[1:]


@pytest.mark.xla
def test_random_state_reproduces(images):
    a = GANGenerator(**SMALL_GAN).fit(images)
    b = GANGenerator(**SMALL_GAN).fit(images)
    assert weights_equal(a.generator_, b.generator_) and weights_equal(a.discriminator_, b.discriminator_)
    np.testing.assert_array_equal(a.sample(8), b.sample(8))
    np.testing.assert_array_equal(a.sample(8, random_state=5), b.sample(8, random_state=5))
    assert not np.array_equal(a.sample(8, random_state=5), a.sample(8, random_state=6))


def test_partial_fit_and_warm_start(images):
    gan = GANGenerator(**SMALL_GAN).partial_fit(images).partial_fit(images)
    assert gan.n_iter_ == 2 and len(gan.history_["g_loss"]) == 2
    gan.set_params(warm_start=True, epochs=1)
    generator = gan.generator_
    gan.fit(images)
    assert gan.generator_ is generator and gan.n_iter_ == 3
    assert int(np.asarray(gan.g_optimizer_.iterations)) == 3 * 4  # 120 images / 32 per batch = 4 steps an epoch
