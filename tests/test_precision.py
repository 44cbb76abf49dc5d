"""``dtype_policy``: bfloat16 hidden layers beside the report's float32.

What a user relies on: the same outputs as float32 in shape, dtype and
range; weights, optimizers and outputs kept in float32; exact
reproducibility from ``random_state``; save/load; training that lowers the
loss; Keras's global policy left as it was; a clear error for a bad name.
"""
import keras
import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator, load
from mnistgen._precision import dtype_policy_scope

from conftest import SMALL_GAN, SMALL_VAE, networks_equal

BF16 = "mixed_bfloat16"
CONV_GAN = dict(architecture="conv", conv_filters=(4, 8), latent_dim=8, epochs=2, batch_size=32,
                random_state=0)
CONV_VAE = dict(architecture="conv", conv_filters=(4, 8), conv_dense_units=(16,), latent_dim=4,
                epochs=2, batch_size=32, random_state=0)

MODELS = [
    pytest.param(VAEGenerator, SMALL_VAE, id="vae-mlp"),
    pytest.param(VAEGenerator, CONV_VAE, id="vae-conv"),
    pytest.param(GANGenerator, SMALL_GAN, id="gan-mlp"),
    pytest.param(GANGenerator, dict(CONV_GAN, ema=0.9, loss="bce-r1", gp_interval=2),
                 id="gan-conv-ema-r1"),
    pytest.param(GANGenerator, dict(CONV_GAN, conditional=True, conditioning="projection",
                                    spectral_norm=True, loss="hinge"), id="cgan-conv-projection-sn"),
]


def _labels(params, n):
    return np.arange(n) % 2 if params.get("conditional") else None


def _fit(cls, params, digits, digit_labels, **extra):
    model = cls(**params, dtype_policy=BF16, **extra)
    y = digit_labels if params.get("conditional") else None
    return model.fit(digits, y)


@pytest.fixture(scope="module")
def digits_16(mnist):
    """200 MNIST digits cut to 16x16 (conv models need sides divisible by 4)."""
    return mnist[0][:200, 6:22, 6:22], mnist[1][:200]


@pytest.mark.parametrize("cls, params", MODELS)
def test_bfloat16_models_compute_hidden_layers_in_bfloat16_and_output_float32(cls, params,
                                                                             digits_16):
    X, y = digits_16
    model = _fit(cls, params, X, y)
    for name in model._network_attributes:
        network = getattr(model, name)
        assert all(w.dtype == "float32" for w in network.weights), name
        computes = {layer.compute_dtype for layer in network.layers if layer.weights}
        assert "bfloat16" in computes, name  # hidden layers
        assert all(out.dtype == "float32" for out in network.outputs), name
    n = 6
    images = model.sample(n, y=_labels(params, n), random_state=0)
    assert images.shape == (n, 16, 16) and images.dtype == np.float32
    assert np.isfinite(images).all() and images.min() >= 0.0 and images.max() <= 1.0
    assert all(np.isfinite(values).all() for values in model.history_.values())
    if cls is VAEGenerator:
        Z = model.transform(X[:n])
        assert Z.shape == (n, model.latent_dim) and Z.dtype == np.float32


@pytest.mark.parametrize("cls, params", MODELS[::2])
def test_bfloat16_training_reproduces_from_random_state(cls, params, digits_16):
    X, y = digits_16
    a, b = _fit(cls, params, X, y), _fit(cls, params, X, y)
    assert a.history_ == b.history_
    assert networks_equal(a, b)
    y5 = _labels(params, 5)
    np.testing.assert_array_equal(a.sample(5, y=y5, random_state=1), b.sample(5, y=y5, random_state=1))


def test_bfloat16_vae_lowers_its_loss(mnist):
    vae = VAEGenerator(**dict(SMALL_VAE, epochs=4), dtype_policy=BF16).fit(mnist[0][:640])
    assert vae.history_["loss"][-1] < vae.history_["loss"][0]


def test_bfloat16_gan_critic_learns_to_tell_real_from_generated(mnist):
    gan = GANGenerator(**dict(SMALL_GAN, epochs=4), dtype_policy=BF16,
                       generator_learning_rate=1e-12, discriminator_learning_rate=1e-3)
    gan.fit(mnist[0][:640])
    assert gan.history_["d_loss"][-1] < gan.history_["d_loss"][0]
    assert gan.history_["d_real"][-1] > gan.history_["d_fake"][-1]


def test_bfloat16_is_close_to_float32_at_the_same_weights(digits_16):
    """The same weights give nearly the same outputs: bfloat16 rounds, it does not change the model."""
    X, _ = digits_16
    vae32 = VAEGenerator(**CONV_VAE).fit(X)
    vae16 = VAEGenerator(**CONV_VAE, dtype_policy=BF16, warm_start=True)
    vae16.partial_fit(X[:32])
    for name in vae16._network_attributes:
        getattr(vae16, name).set_weights(getattr(vae32, name).get_weights())
    np.testing.assert_allclose(vae16.transform(X), vae32.transform(X), atol=0.1, rtol=0.05)
    assert not np.array_equal(vae16.transform(X), vae32.transform(X))  # it does compute in bf16


@pytest.mark.parametrize("cls, params", [MODELS[1], MODELS[3]])
def test_bfloat16_model_save_load_round_trip(cls, params, digits_16, tmp_path):
    X, y = digits_16
    model = _fit(cls, params, X, y)
    path = tmp_path / "model.mnistgen"
    model.save(path)
    loaded = load(path)
    assert loaded.dtype_policy == BF16
    assert networks_equal(model, loaded)
    np.testing.assert_array_equal(loaded.sample(4, random_state=3), model.sample(4, random_state=3))
    model.partial_fit(X)
    loaded.partial_fit(X)
    assert networks_equal(model, loaded)  # resumes exactly


def test_fitting_leaves_keras_global_policy_as_it_was(digits_16):
    X, _ = digits_16
    before = keras.config.dtype_policy().name
    VAEGenerator(**CONV_VAE, dtype_policy=BF16).fit(X)
    assert keras.config.dtype_policy().name == before
    with pytest.raises(RuntimeError, match="inside"):
        with dtype_policy_scope(BF16):
            assert keras.config.dtype_policy().name == BF16
            raise RuntimeError("inside")
    assert keras.config.dtype_policy().name == before


@pytest.mark.parametrize("cls", [VAEGenerator, GANGenerator])
@pytest.mark.parametrize("bad", ["bfloat16", "float16", "mixed_float16", 32, None])
def test_bad_dtype_policy_is_refused_with_the_choices(cls, bad, images):
    with pytest.raises(ValueError, match="dtype_policy.*float32.*mixed_bfloat16|"
                                         "dtype_policy.*mixed_bfloat16.*float32"):
        cls(dtype_policy=bad, epochs=1).fit(images)
