"""Shared fixtures: small image sets and small fitted estimators.

MNIST comes from ``mnistgen.datasets.load_mnist`` (offline in CI through
``MNISTGEN_MNIST_PATH``). Unit tests train tiny networks for a few epochs.

Tests train the MLP estimators without XLA unless marked ``xla``. On the
2-core CI machines XLA takes 2-3 s to compile each shape of the training
step, and a ``fit`` compiles two or three (measured on an AMD EPYC: a tiny
VAE ``fit`` 6.1-6.5 s with XLA against 1.7-2.1 s without, a GAN 8.4-9.1 s
against 2.1-2.2 s), which is most of the time of a unit test and made the
suite take 21 minutes there. Training without XLA runs the same Keras
layers, losses and optimizer updates; the ``xla`` tests check the compiled
path that users get: that it is the one chosen, that it trains like single
steps and lowers the loss, reproduces from ``random_state`` and resumes
exactly after a load. The documentation build (``test_docs.py``, a
subprocess) and the main job (``mnistgen train``) train as users do, with
XLA.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator
from mnistgen._compilation import CompileOptions, compile_options

#: How the library compiles its trainers, as users get it (XLA for the MLPs).
USER_COMPILE_OPTIONS = CompileOptions()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "xla: trains the MLP estimators as users get them, XLA-compiled")


@pytest.fixture(scope="session", autouse=True)
def _train_without_xla():
    """Train without XLA (see above), the shared fixtures too, so that they
    match what the tests that use them train."""
    with compile_options(jit_compile=False):
        yield


@pytest.fixture(autouse=True)
def _user_compile_options_where_marked(request):
    """Tests marked ``xla`` train with the library's own compile options."""
    if request.node.get_closest_marker("xla") is None:
        yield
        return
    with compile_options(jit_compile=USER_COMPILE_OPTIONS.jit_compile):
        yield


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


def networks_equal(est_a, est_b):
    """Every fitted network of estimator ``est_a`` has ``est_b``'s weights."""
    return all(weights_equal(getattr(est_a, name), getattr(est_b, name))
               for name in est_a._network_attributes)


@pytest.fixture(scope="session")
def digits(mnist):
    """300 real 28x28 MNIST training digits (uint8)."""
    return mnist[0][:300]


@pytest.fixture(scope="session")
def digit_labels(mnist):
    """The labels of ``digits``."""
    return mnist[1][:300]


def train_vae_option_on_the_command_line(tmp_path, capsys, args, bad):
    """``mnistgen train vae ARGS`` (one epoch on 200 images) and its model file,
    loaded; the option ``ARGS[0]`` (with the value ``ARGS[1]``) refused for
    the GAN, and its unknown value ``bad`` refused for the VAE."""
    from mnistgen import load
    from mnistgen.cli import main

    out, flag = tmp_path / "vae", args[0]
    assert main(["train", "vae", *args, "--epochs", "1", "--n-train", "200", "--out", str(out),
                 "--verbose", "0"]) == 0
    assert main(["train", "gan", flag, args[1], "--out", str(tmp_path / "g")]) == 2
    assert f"{flag} applies to the VAE only" in capsys.readouterr().err
    assert main(["train", "vae", flag, bad, "--out", str(tmp_path / "z")]) == 2
    assert f"invalid choice: {bad!r}" in capsys.readouterr().err
    return load(out / "model.mnistgen")
