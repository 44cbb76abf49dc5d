"""
The recommended GAN against the recommended VAE
===============================================

The report concludes that "a CNN GAN would work better than the VAE". This
example puts the two ``"recommended"`` presets side by side, without labels
and class-conditional, the comparison the report asked for:
:meth:`mnistgen.GANGenerator.from_preset` (a convolutional GAN with an
averaged generator; without labels it is conditioned on clusters of the
images, ``self_conditioning``) and :meth:`mnistgen.VAEGenerator.from_preset`
(a convolutional VAE with a learned prior, sampling through a Gaussian
mixture fitted on its codes).

.. note::

   In the documentation build this example runs with a **small budget** (a
   few epochs on a few thousand images, printed below), far from what the
   presets are made for. ``MNISTGEN_DOCS_FULL=1 python
   examples/plot_recommended_gan_vae.py`` trains them as the presets say on
   all 60,000 images (about an hour on a 2-core CPU). The measured table at
   full budget, three seeds, is on the quality page (:doc:`/quality`).
"""

# %%
# The budget
# ----------
import os

import matplotlib.pyplot as plt
import numpy as np

from mnistgen import GANGenerator, VAEGenerator, metrics
from mnistgen.datasets import load_mnist
from mnistgen.plotting import image_grid

FULL = os.environ.get("MNISTGEN_DOCS_FULL") == "1"
n_train, epochs = (60000, None) if FULL else (6000, 5)
budget = {} if epochs is None else {"epochs": epochs}
print(f"{n_train} training images, " + ("the presets' epochs" if FULL else f"{epochs} epochs"))

(x_all, y_all), (x_test, y_test) = load_mnist()
x_train, y_train = x_all[:n_train], y_all[:n_train]

# %%
# Four models from two presets
# ----------------------------
# ``conditional=True`` picks each preset's conditional recipe.
models = {
    "GAN, no labels": GANGenerator.from_preset("recommended", random_state=0, **budget),
    "VAE, no labels": VAEGenerator.from_preset("recommended", random_state=0, **budget),
    "conditional GAN": GANGenerator.from_preset("recommended", conditional=True,
                                                random_state=0, **budget),
    "conditional VAE": VAEGenerator.from_preset("recommended", conditional=True,
                                                random_state=0, **budget),
}
for name, model in models.items():
    model.fit(x_train, y_train)  # the unconditional models ignore y
    print(f"{name}: {model.n_iter_} epochs")

# %%
# Uncurated samples
# -----------------
# The conditional models are asked for the digits 0-9 in turn, one column
# per digit.
n = 2000
asked = np.arange(n) % 10
samples = {name: model.sample(n, y=asked if model.conditional else None, random_state=1)
           for name, model in models.items()}
fig, axes = plt.subplots(2, 2, figsize=(8, 8.5))
for ax, (name, images) in zip(axes.flat, samples.items()):
    ax.imshow(image_grid(images[:60], n_cols=10), cmap="gray", vmin=0, vmax=1)
    ax.set_title(name)
    ax.axis("off")
fig.tight_layout()

# %%
# The numbers
# -----------
# Frechet distance to the test images (lower is better; real training
# images score lowest), the smallest share of a digit among the samples
# (0.1 is even), precision and recall; for the conditional models how often
# the shipped classifier reads the digit that was asked for.
reference = metrics.reference_features(x_test)
for name, images in samples.items():
    labels = asked if models[name].conditional else None
    row = metrics.evaluate(images, reference, labels=labels)
    print(f"{name:16s} " + ", ".join(f"{k} {v:.3g}" for k, v in row.items()))
