"""
Fashion-MNIST: your own data, early stopping and evaluation
===========================================================

The next data set every MNIST user tries: Zalando's Fashion-MNIST, 28x28
greyscale pictures of ten kinds of clothes, in MNIST's format. This example
loads it with :func:`mnistgen.datasets.load_fashion_mnist`, trains a
conditional VAE and a GAN on it with early stopping on held-out images, and
judges both with the shipped Fashion-MNIST classifier of
:mod:`mnistgen.metrics`, against the test images.

Fashion-MNIST comes from ``$MNISTGEN_FASHION_MNIST_PATH`` when it is set (a
Keras-format ``.npz`` or a folder of the four ``*-idx*-ubyte.gz`` files,
such as ``/usr/share/datasets/fashion-mnist`` of Debian's
``dataset-fashion-mnist``), else through Keras's downloader. On a machine
with neither (offline, no local copy) the example says so and stops.

.. note::

   The documentation build runs this example with a **small budget** (a few
   epochs on a few thousand images, printed below); the GAN draws noise at
   that budget. ``MNISTGEN_DOCS_FULL=1 python examples/plot_fashion_mnist.py``
   trains on all 60,000 images for up to 50 (VAE) and 30 (GAN) epochs.
"""

# %%
# The data
# --------
import os

import matplotlib.pyplot as plt
import numpy as np

from mnistgen import GANGenerator, VAEGenerator, metrics
from mnistgen.datasets import FASHION_MNIST_CLASSES, load_fashion_mnist
from mnistgen.plotting import image_grid, plot_history

FULL = os.environ.get("MNISTGEN_DOCS_FULL") == "1"
n_train, vae_epochs, gan_epochs = (60000, 50, 30) if FULL else (3000, 6, 3)
print(f"Running with the {'full' if FULL else 'small'} budget: {n_train} training "
      f"images, VAE at most {vae_epochs} epochs, GAN at most {gan_epochs}.")

try:
    (x_all, y_all), (x_test, y_test) = load_fashion_mnist()
except Exception as exc:  # offline and no local copy: nothing to show
    print(f"Fashion-MNIST is not available on this machine ({type(exc).__name__}); "
          f"set MNISTGEN_FASHION_MNIST_PATH to a local copy to run this example.")
    x_all = None

# %%
# A conditional VAE with early stopping
# -------------------------------------
# ``early_stopping=True`` holds out 10 % of the images, records their loss
# after every epoch in ``history_["val_loss"]`` and keeps the best epoch's
# weights.
if x_all is not None:
    x_train, y_train = x_all[:n_train], y_all[:n_train]
    vae = VAEGenerator(architecture="conv", latent_dim=16, conditional=True,
                       epochs=vae_epochs, early_stopping=True, n_iter_no_change=3,
                       random_state=0).fit(x_train, y_train)
    print(f"VAE: {vae.n_iter_} epochs, best {vae.best_epoch_} "
          f"(validation loss {vae.best_validation_score_:.1f} nats)")
    plot_history(vae, keys=["loss", "val_loss"], title="Conditional conv VAE on Fashion-MNIST")

# %%
# One row per class
# -----------------
# The same noise in every row: each column is one latent "style" drawn as
# every kind of clothing.
if x_all is not None:
    z = np.random.default_rng(1).standard_normal((10, vae.latent_dim))
    rows = np.concatenate([vae.inverse_transform(z, y=k) for k in range(10)])
    fig, ax = plt.subplots(figsize=(6, 6.4))
    ax.imshow(image_grid(rows, n_cols=10), cmap="gray", vmin=0, vmax=1)
    ax.set_yticks(np.arange(10) * 29 + 14, FASHION_MNIST_CLASSES)
    ax.set_xticks([])
    ax.set_title("Conditional VAE: one row per class asked for")
    plt.tight_layout()

# %%
# A GAN stopped on a held-out Frechet distance
# --------------------------------------------
# A GAN's losses say little about its samples, so its early stopping watches
# the Frechet distance between samples and held-out images, here on the
# shipped Fashion-MNIST classifier's features.
if x_all is not None:
    gan = GANGenerator(architecture="conv", ema=0.999, epochs=gan_epochs, early_stopping=True,
                       n_iter_no_change=3, validation_features="fashion-mnist",
                       random_state=0).fit(x_train)
    print("GAN validation Frechet distance per epoch:",
          np.round(gan.history_["val_frechet_distance"], 1))

# %%
# Evaluation against the test images
# ----------------------------------
# :func:`mnistgen.metrics.evaluate` with ``classifier="fashion-mnist"``; the
# same table comes from ``mnistgen evaluate MODEL --data fashion-mnist``.
if x_all is not None:
    reference = metrics.reference_features(x_test[:2000], classifier="fashion-mnist")
    asked = np.arange(2000) % 10
    rows = {
        "real (train vs test)": metrics.evaluate(x_all[-2000:], reference, classifier="fashion-mnist"),
        "conditional conv VAE": metrics.evaluate(vae.sample(2000, y=asked, random_state=2), reference,
                                                 labels=asked, classifier="fashion-mnist"),
        "conv GAN": metrics.evaluate(gan.sample(2000, random_state=2), reference,
                                     classifier="fashion-mnist"),
    }
    for name, scores in rows.items():
        print(f"{name:22s} " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()))
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
    images = [x_test[:36], vae.sample(36, random_state=3), gan.sample(36, random_state=3)]
    for ax, (name, scores), grid in zip(axes, rows.items(), images):
        ax.imshow(image_grid(grid, n_cols=6), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{name.replace('train vs test', 'test images')}\nFD {scores['FD']:.1f}")
        ax.axis("off")
    plt.tight_layout()
    plt.show()
