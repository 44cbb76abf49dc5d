"""
The VAE's two-dimensional latent space
======================================

The report's VAE squeezes each 784-pixel image into a latent space of only
two dimensions. That is small enough to draw: this example encodes the MNIST
test images with :meth:`mnistgen.VAEGenerator.transform` and colours their
latent means by digit (:func:`mnistgen.plotting.plot_latent_space`), then
decodes a regular grid of latent points into images
(:func:`mnistgen.plotting.plot_manifold`).

.. note::

   The documentation build runs this example with a **small budget** (printed
   below). ``MNISTGEN_DOCS_FULL=1 python examples/plot_vae_latent_space.py``
   trains the report's VAE on all 60,000 training images for its 50 epochs.
"""

# %%
# Training the report's VAE
# -------------------------
import os
import time

import numpy as np

from mnistgen import VAEGenerator
from mnistgen.datasets import load_mnist
from mnistgen.plotting import plot_latent_space, plot_manifold

FULL = os.environ.get("MNISTGEN_DOCS_FULL") == "1"
n_train, epochs, n_test = (60000, 50, 10000) if FULL else (5000, 5, 3000)
print(f"Running with the {'full' if FULL else 'small'} budget: {n_train} training "
      f"images, {epochs} epochs, {n_test} test images drawn.")

(x_train, y_train), (x_test, y_test) = load_mnist()
start = time.perf_counter()
vae = VAEGenerator(epochs=epochs, random_state=0).fit(x_train[:n_train])
print(f"Trained in {time.perf_counter() - start:.1f} s; "
      f"test ELBO {vae.score(x_test[:n_test]):.1f} nats per image (higher is better)")

# %%
# The latent means of the test images
# -----------------------------------
# Each point is one test image, placed at the mean of the encoder's Gaussian
# and coloured by its true digit (the VAE never saw the labels). Digits that
# look alike lie close together; the KL term of the loss keeps the cloud
# near the origin, roughly standard normal, which is where sampling draws
# its points.
fig = plot_latent_space(vae, x_test[:n_test], y=y_test[:n_test])

codes = vae.transform(x_test[:n_test])
print(f"latent means: average {codes.mean(axis=0).round(2)}, "
      f"standard deviation {codes.std(axis=0).round(2)}")

# %%
# How well the digits separate in two dimensions: the accuracy of a
# nearest-centroid rule on the codes (every digit represented by the mean
# code of its test images).
centroids = np.stack([codes[y_test[:n_test] == k].mean(axis=0) for k in range(10)])
nearest = np.argmin(((codes[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
print(f"nearest-centroid accuracy in the 2-D latent space: "
      f"{np.mean(nearest == y_test[:n_test]):.3f}")

# %%
# The decoded manifold
# --------------------
# Decoding a 15 x 15 grid of latent points from -2 to 2 (two prior standard
# deviations) shows what the decoder has learned: neighbouring points decode
# to similar images, and one digit morphs continuously into the next. With
# only two latent dimensions some digits share a region and come out as
# blurry blends, the VAE's blur that the report describes.
fig = plot_manifold(vae, n=15, extent=2.0)
