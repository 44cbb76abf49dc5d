"""The report's VAE in PyTorch, written the plain way: a reference recipe.

The model of the report's section 2.2, layer by layer as in the report's
code: encoder 784-512-256 (ReLU) with two linear heads, the mean and the
log-variance of a 2-D latent; decoder 2-256-512-784 (ReLU, then sigmoid);
loss binary cross-entropy summed over the pixels plus the KL divergence,
summed over the batch; Adam 1e-3; batch 100. ``bench_speed.py`` times it
next to ``VAEGenerator``, ``bench_quality.py`` scores its samples.

Usage::

    python ref_vae_torch.py EPOCHS

Environment:

``MNIST_NPZ`` (else ``MNISTGEN_MNIST_PATH``; read by ``_mnist.py``)
    A Keras-format ``mnist.npz``. Without either the recipe trains on
    random binary data of MNIST's shape, which is enough for timing.
``REF_N``
    Train on the first ``REF_N`` images only (default: all), for a smoke test.
``OUT_NPZ``
    After training, save 10,000 samples (the decoder of z ~ N(0, I)) as
    float32 in [0, 1] of shape (10000, 28, 28) under the key ``samples`` to
    this file and, when the data file has test images, print
    ``test_neg_elbo NATS``: the negative ELBO per test image (one draw of z).

Prints ``epoch I SECONDS s loss L`` after each epoch (from 0), L being the
epoch's negative ELBO per training image.
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from _mnist import mnist_rows  # this folder

BATCH, LATENT = 100, 2


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mean, self.log_var = nn.Linear(256, LATENT), nn.Linear(256, LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                     nn.Linear(512, 784), nn.Sigmoid())

    def forward(self, x):
        h = self.encoder(x)
        mean, log_var = self.mean(h), self.log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decoder(z), mean, log_var


def neg_elbo(model, x):
    """Binary cross-entropy summed over pixels plus KL, summed over the images of ``x``."""
    recon, mean, log_var = model(x)
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp())
    return F.binary_cross_entropy(recon, x, reduction="sum") + kl


def main(epochs):
    x, x_test = (None if a is None else torch.from_numpy(a) for a in mnist_rows())
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        start, total = time.perf_counter(), 0.0
        for idx in torch.randperm(len(x)).split(BATCH):
            loss = neg_elbo(model, x[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch} {time.perf_counter() - start:.2f}s loss {total / len(x):.2f}", flush=True)

    out = os.environ.get("OUT_NPZ")
    if out:
        with torch.no_grad():
            if x_test is not None:
                print(f"test_neg_elbo {neg_elbo(model, x_test).item() / len(x_test):.2f}", flush=True)
            samples = model.decoder(torch.randn(10_000, LATENT)).reshape(-1, 28, 28).numpy()
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        np.savez_compressed(out, samples=samples)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
