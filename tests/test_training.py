"""The input pipeline, the trainers, the fit loop and inference."""
import numpy as np
import pytest


@pytest.mark.parametrize("n, batch, steps", [(23, 5, 2), (20, 5, 3), (3, 5, 4), (64, 8, 50),
                                             (37, 5, 3)])
def test_groups_are_the_plain_shuffled_batches(n, batch, steps):
    """Grouping mini-batches changes neither the batches, their noise nor their order."""
    from mnistgen._pipeline import make_dataset

    X = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    grouped, per_epoch = make_dataset(X, batch, seed=7, noise_dim=2, epochs=2,
                                      steps_per_call=steps)
    plain, plain_per_epoch = make_dataset(X, batch, seed=7, noise_dim=2, epochs=2,
                                          grouped=False)
    elements = [(g.numpy(), int(k)) for g, k in grouped]
    groups = [g[:k] for g, k in elements]
    assert all(g.ndim == 3 and 1 <= len(g) <= steps for g in groups)
    assert len(groups) == 2 * per_epoch
    # all groups of full mini-batches share one shape (one XLA compilation):
    # a shorter last group is padded with zeros after its real mini-batches
    full = [g for g, _ in elements if g.shape[1] == batch]
    assert len({g.shape for g in full}) <= 1
    assert all(g.shape[0] == min(steps, n // batch) for g in full)
    for g, k in elements:
        assert not g[k:].any()
    batches = [b for g in groups for b in g]
    assert plain_per_epoch == -(-n // batch)
    plain_batches = [b.numpy() for b in plain]
    assert len(batches) == len(plain_batches) == 2 * plain_per_epoch
    for got, want in zip(batches, plain_batches):
        np.testing.assert_array_equal(got, want)  # same rows and the same noise
    epochs = [batches[:plain_per_epoch], batches[plain_per_epoch:]]
    for epoch in epochs:
        ids = np.concatenate([b[:, 0] for b in epoch]).astype(int)
        assert sorted(ids) == list(range(n))  # each epoch: every row once
        assert [len(b) for b in epoch[:-1]] == [batch] * (len(epoch) - 1)
        noise = np.concatenate([b[:, 3:] for b in epoch])
        assert noise.shape == (n, 2) and abs(noise.mean()) < 1.5
    if n > 3:  # reshuffled and new noise each epoch
        assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))
    # stateless: iterating again gives the same elements
    for (got, _), (want, _) in zip(grouped, elements):
        np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("grouped", [True, False])
def test_pipeline_is_neither_autotuned_nor_rewritten(grouped):
    """No tf.data autotuning or graph rewrites: they delayed every training call.

    With them, 8 of 10 ``partial_fit`` calls of the GAN on 19,200 images
    waited 0.64-1.66 s after their last epoch for the autotuning thread to
    stop (0 of 10 without), and creating the iterator over the 60,000
    training images took 0.10-0.57 s instead of 0.013 s. Both only show on
    data and epochs too large for a unit test to time, so this checks the
    settings themselves.
    """
    from mnistgen._pipeline import make_dataset

    X = np.zeros((10, 3), np.float32)
    dataset, _ = make_dataset(X, 5, seed=0, noise_dim=2, grouped=grouped)
    options = dataset.options()
    assert options.autotune.enabled is False
    assert options.experimental_optimization.apply_default_optimizations is False


@pytest.mark.xla
@pytest.mark.parametrize("steps_per_call", [50, 3])
def test_grouped_steps_train_like_single_steps(images, steps_per_call):
    """One compiled call over k mini-batches = k calls of one mini-batch.

    With 3 per call, the 7 full mini-batches of an epoch come as groups of
    3, 3 and 1 padded to 3: the padding must not train.
    """
    from mnistgen import VAEGenerator
    from mnistgen._compilation import compile_options

    params = dict(hidden_units=(16,), epochs=2, batch_size=16, random_state=3)
    with compile_options(steps_per_call=steps_per_call):
        grouped = VAEGenerator(**params).fit(images)
    with compile_options(steps_per_call=1):
        single = VAEGenerator(**params).fit(images)
    for a, b in zip(grouped.encoder_.get_weights() + grouped.decoder_.get_weights(),
                    single.encoder_.get_weights() + single.decoder_.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grouped.history_["loss"], single.history_["loss"], rtol=1e-5)


@pytest.mark.xla
@pytest.mark.parametrize("cls_name", ["VAEGenerator", "GANGenerator"])
def test_only_mlp_trainers_are_xla_compiled(cls_name, images):
    """XLA speeds up the MLPs, but its CPU convolutions are ~25x slower than oneDNN's."""
    import mnistgen

    cls = getattr(mnistgen, cls_name)
    small = dict(latent_dim=4, epochs=1, batch_size=32, random_state=0)
    mlp = cls(**small).fit(images)
    conv = cls(architecture="conv", conv_filters=(4,), **small).fit(images)
    assert mlp._trainer.jit_compile is True
    assert conv._trainer.jit_compile is False


def test_infer_does_not_warn_about_retracing(caplog):
    """Sampling from many networks stays quiet.

    With a ``tf.function`` per network, TensorFlow warned about "frequent
    retracing" once a process had used five of them (it counts every
    function made from the same source line as one).
    """
    import logging

    from mnistgen import networks
    from mnistgen._inference import infer

    z = np.zeros((5, 4), np.float32)
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for seed in range(7):
            generator = networks.build_gan_generator(16, 4, (8,), seed=seed)
            for rows in (5, 3, 1):
                assert infer(generator, z[:rows]).shape == (rows, 16)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


def test_fitting_many_estimators_does_not_warn_about_retracing(caplog):
    """A loop of fits (a grid search, several seeds) stays quiet.

    Keras makes a ``tf.function`` per model, and TensorFlow counted them
    together: from the fifth estimator fitted in a process on, every fit
    warned about "frequent retracing". The filter is removed after each
    fit, and lets other TensorFlow messages through.
    """
    import logging

    from mnistgen import GANGenerator, VAEGenerator
    from mnistgen._fit_loop import _KerasRetracingFilter

    X = np.random.default_rng(0).random((40, 4, 4), dtype=np.float32)
    tiny = {VAEGenerator: dict(hidden_units=(8,), latent_dim=2),
            GANGenerator: dict(generator_units=(8, 8), discriminator_units=(8,), latent_dim=4)}
    logger = logging.getLogger("tensorflow")
    filters = list(logger.filters)
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for seed in range(6):
            cls = VAEGenerator if seed % 2 else GANGenerator
            cls(epochs=1, batch_size=16, random_state=seed, verbose=0, **tiny[cls]).fit(X)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
    assert logger.filters == filters

    def record(message):
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message, None, None)

    keras_alarm = ("5 out of the last 5 calls to <function TensorFlowTrainer._make_function."
                   "<locals>.multi_step_on_iterator at 0x1> triggered tf.function retracing.")
    users_alarm = "5 out of the last 5 calls to <function my_step at 0x1> triggered tf.function retracing."
    quiet = _KerasRetracingFilter()
    assert not quiet.filter(record(keras_alarm))
    assert quiet.filter(record(users_alarm))
    assert quiet.filter(record("Something else entirely"))


def test_infer_is_the_models_inference_output():
    """``infer`` (sample, transform) gives what calling the network gives."""
    from mnistgen import networks
    from mnistgen._inference import infer

    rng = np.random.default_rng(0)
    generator = networks.build_gan_generator(16, 4, (8, 12), seed=0)
    conditional = networks.build_vae_encoder(16, (12,), 2, seed=0, n_classes=3)
    for rows in (5, 7, 5, 1):  # several batch sizes, one compiled function
        z = rng.standard_normal((rows, 4)).astype(np.float32)
        got = infer(generator, z)
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        np.testing.assert_allclose(got, np.asarray(generator(z, training=False)), atol=1e-6)
        x = rng.random((rows, 16), dtype=np.float32)
        labels = np.eye(3, dtype=np.float32)[rng.integers(0, 3, rows)]
        mean, log_var = infer(conditional, x, labels)
        want = conditional([x, labels], training=False)
        np.testing.assert_allclose(mean, np.asarray(want[0]), atol=1e-6)
        np.testing.assert_allclose(log_var, np.asarray(want[1]), atol=1e-6)
    # each network keeps its own compiled function
    other = networks.build_gan_generator(16, 4, (8, 12), seed=1)
    z = rng.standard_normal((3, 4)).astype(np.float32)
    assert not np.allclose(infer(other, z), infer(generator, z))
