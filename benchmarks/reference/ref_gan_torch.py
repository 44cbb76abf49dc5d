"""The report's GAN in PyTorch, written the plain way: a reference recipe.

The model of the report's section 2.1, layer by layer as in the report's
code: generator 100-128-256-512-1024-784, each hidden layer a LeakyReLU(0.2)
after batch norm (``BatchNorm1d(units, 0.8)``, eps 0.8; none on the first),
tanh output; discriminator 784-512-256-1, LeakyReLU(0.2), sigmoid output.
Images in [-1, 1]; binary cross-entropy; per batch one generator step on the
non-saturating loss, then one discriminator step on the real batch and the
same generated one; Adam 2e-4, betas (0.5, 0.999), for both; batch 64.
``bench_speed.py`` times it next to ``GANGenerator``, ``bench_quality.py``
scores its samples.

Usage::

    python ref_gan_torch.py EPOCHS

Environment:

``MNIST_NPZ`` (else ``MNISTGEN_MNIST_PATH``; read by ``_mnist.py``)
    A Keras-format ``mnist.npz``. Without either the recipe trains on
    random data of MNIST's shape, which is enough for timing.
``REF_N``
    Train on the first ``REF_N`` images only (default: all), for a smoke test.
``OUT_NPZ``
    ``PATH.npz``: after epochs 1, 5, 10, 20, 30, 50, 100 and 200, save
    10,000 samples as float32 in [0, 1] of shape (10000, 28, 28) under the
    key ``samples``, twice: ``PATH_eE_train.npz`` with batch norm using
    batch statistics (batches of 64, as the report drew its figures) and
    ``PATH_eE.npz`` with batch norm in inference mode.

Prints ``epoch I SECONDS s d D g G`` after each epoch (from 0), D and G
being the epoch's mean discriminator and generator losses.
"""
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from _mnist import mnist_rows  # this folder

BATCH, LATENT = 64, 100
SAVE_AFTER = (1, 5, 10, 20, 30, 50, 100, 200)


def hidden(n_in, n_out, norm=True):
    return [nn.Linear(n_in, n_out), *([nn.BatchNorm1d(n_out, eps=0.8)] if norm else []), nn.LeakyReLU(0.2)]


def generator():
    return nn.Sequential(*hidden(LATENT, 128, norm=False), *hidden(128, 256), *hidden(256, 512),
                         *hidden(512, 1024), nn.Linear(1024, 784), nn.Tanh())


def discriminator():
    return nn.Sequential(*hidden(784, 512, norm=False), *hidden(512, 256, norm=False),
                         nn.Linear(256, 1), nn.Sigmoid())


def save_samples(g, out, epoch):
    """Save 10,000 samples in [0, 1] drawn with batch statistics, then in inference mode."""
    stem = out.removesuffix(".npz")
    with torch.no_grad():
        # in training mode, as the report's figures (this moves the running statistics too)
        batch_stats = torch.cat([g(torch.randn(BATCH, LATENT)) for _ in range(-(-10_000 // BATCH))])
        g.eval()
        inference = g(torch.randn(10_000, LATENT))
        g.train()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    for suffix, s in (("_train", batch_stats[:10_000]), ("", inference)):
        samples = ((s + 1) / 2).reshape(-1, 28, 28).numpy()
        np.savez_compressed(f"{stem}_e{epoch}{suffix}.npz", samples=samples)


def main(epochs):
    x = torch.from_numpy(mnist_rows(low=-1.0)[0])
    g, d, bce = generator(), discriminator(), nn.BCELoss()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    out = os.environ.get("OUT_NPZ")
    for epoch in range(epochs):
        start, d_total, g_total, steps = time.perf_counter(), 0.0, 0.0, 0
        for idx in torch.randperm(len(x)).split(BATCH):
            real = x[idx]
            ones, zeros = torch.ones(len(real), 1), torch.zeros(len(real), 1)
            fake = g(torch.randn(len(real), LATENT))
            g_loss = bce(d(fake), ones)  # non-saturating: D(G(z)) towards "real"
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            d_loss = (bce(d(real), ones) + bce(d(fake.detach()), zeros)) / 2
            opt_d.zero_grad()  # also clears what the generator's loss left in D
            d_loss.backward()
            opt_d.step()
            d_total, g_total, steps = d_total + d_loss.item(), g_total + g_loss.item(), steps + 1
        print(f"epoch {epoch} {time.perf_counter() - start:.2f}s d {d_total / steps:.3f} "
              f"g {g_total / steps:.3f}", flush=True)
        if out and epoch + 1 in SAVE_AFTER:
            save_samples(g, out, epoch + 1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
