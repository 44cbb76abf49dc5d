"""
Training curves of the GAN and the VAE
======================================

The report describes how a GAN trains: the discriminator first tells real
from generated images easily, then, as the generator improves, it "should be
more and more difficult for discriminator to tell the difference", and its
outputs on both kinds of image head to 0.5. A VAE instead minimises one loss,
which falls steadily.

Both estimators record per-epoch values in ``history_``;
:func:`mnistgen.plotting.plot_history` draws them.

.. note::

   The documentation build runs this example with a **small budget** (printed
   below). ``MNISTGEN_DOCS_FULL=1 python examples/plot_training_curves.py``
   trains both models with the report's settings on all 60,000 images (VAE
   50 epochs, GAN its default epochs).
"""

# %%
# Training both models
# --------------------
import os
import time

import matplotlib.pyplot as plt

from mnistgen import GANGenerator, VAEGenerator
from mnistgen.datasets import load_mnist
from mnistgen.plotting import plot_history

FULL = os.environ.get("MNISTGEN_DOCS_FULL") == "1"
if FULL:
    n_train, vae_epochs, gan_epochs = 60000, VAEGenerator().epochs, GANGenerator().epochs
else:
    n_train, vae_epochs, gan_epochs = 3000, 8, 8
print(f"Running with the {'full' if FULL else 'small'} budget: {n_train} training "
      f"images, VAE {vae_epochs} epochs, GAN {gan_epochs} epochs.")

(x_train, _), _ = load_mnist()
x_train = x_train[:n_train]

start = time.perf_counter()
vae = VAEGenerator(epochs=vae_epochs, random_state=0).fit(x_train)
print(f"VAE trained in {time.perf_counter() - start:.1f} s")
start = time.perf_counter()
gan = GANGenerator(epochs=gan_epochs, random_state=0).fit(x_train)
print(f"GAN trained in {time.perf_counter() - start:.1f} s")

# %%
# The VAE's loss
# --------------
# The loss is the negative evidence lower bound per image, in nats: the
# reconstruction term (binary cross-entropy summed over the pixels) plus the
# KL term, the price of keeping the codes close to the N(0, I) prior. It is
# an ordinary minimisation, so the total falls epoch after epoch, quickly at
# first and then slowly; with a 2-D latent space the KL term stays small
# next to the reconstruction term.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
plot_history(vae, keys=["loss", "reconstruction_loss"], ax=axes[0], title="VAE: loss")
plot_history(vae, keys=["kl_loss"], ax=axes[1], title="VAE: KL term")
for key, values in vae.history_.items():
    print(f"VAE {key:>20}: first epoch {values[0]:8.2f}, last epoch {values[-1]:8.2f}")

# %%
# The GAN's losses and the discriminator's outputs
# ------------------------------------------------
# ``d_loss`` and ``g_loss`` are the discriminator's and generator's binary
# cross-entropies. They do not fall together: each network's progress raises
# the other's loss. ``d_real`` is the discriminator's mean output on real
# images, D(x), and ``d_fake`` on generated ones, D(G(z)). In the first epoch
# the discriminator rates real images much higher than generated ones; as
# the generator improves, the gap closes and both head to 0.5 (dashed line),
# where the discriminator can no longer tell them apart. The printed gap
# D(x) - D(G(z)) shows how far that has come with this budget.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
plot_history(gan, keys=["d_loss", "g_loss"], ax=axes[0], title="GAN: losses")
plot_history(gan, keys=["d_real", "d_fake"], ax=axes[1], title="GAN: D(x) and D(G(z))")
axes[1].axhline(0.5, color="k", lw=0.8, ls="--")
axes[1].set_ylim(0, 1)
for key, values in gan.history_.items():
    print(f"GAN {key:>7}: first epoch {values[0]:.3f}, last epoch {values[-1]:.3f}")
gap = [r - f for r, f in zip(gan.history_["d_real"], gan.history_["d_fake"])]
print(f"D(x) - D(G(z)): first epoch {gap[0]:.3f}, last epoch {gap[-1]:.3f} "
      "(0 when the discriminator cannot tell real from generated)")

# %%
# The curves measure the game, not the images: a GAN's losses say little
# about sample quality, which is why
# :ref:`sphx_glr_auto_examples_plot_compare_gan_vae.py` looks at the samples
# themselves.
