"""Shared fixtures: small image sets and small fitted estimators.

MNIST comes from ``mnistgen.datasets.load_mnist`` (offline in CI through
``MNISTGEN_MNIST_PATH``). Unit tests train tiny networks for a few epochs.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator

# Small networks that keep every unit test quick.
SMALL_VAE = dict(hidden_units=(32,), epochs=2, batch_size=32, random_state=0)
SMALL_GAN = dict(
    generator_units=(16, 32), discriminator_units=(32,), latent_dim=8,
    epochs=2, batch_size=32, random_state=0,
)


@pytest.fixture(scope="session")
def mnist():
    from mnistgen.datasets import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist()
    return x_train[:3000], y_train[:3000], x_test[:1000], y_test[:1000]


@pytest.fixture(scope="session")
def images():
    """120 random 8x8 uint8 images."""
    return np.random.default_rng(0).integers(0, 256, (120, 8, 8), dtype=np.uint8)


@pytest.fixture(scope="session")
def fitted_vae(images):
    return VAEGenerator(**SMALL_VAE).fit(images)


@pytest.fixture(scope="session")
def fitted_gan(images):
    return GANGenerator(**SMALL_GAN).fit(images)


def weights_equal(model_a, model_b):
    wa, wb = model_a.get_weights(), model_b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(a, b) for a, b in zip(wa, wb))
