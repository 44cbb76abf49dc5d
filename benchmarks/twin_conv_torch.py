"""PyTorch twins of mnistgen's convolutional models, timed per epoch (a benchmark's peer).

Run by ``bench_conv_speed.py`` in PyTorch's own environment (PyTorch is
never a dependency of mnistgen)::

    MNIST_NPZ=/path/to/mnist.npz /tmp/torchenv/bin/python benchmarks/twin_conv_torch.py gan 3

Each twin has the layers, sizes, initial weight ranges, batch size, optimiser
and step order of the mnistgen model it is named after
(:func:`mnistgen.networks.build_conv_gan_generator` and the others):

``gan``
    ``GANGenerator(architecture="conv")``: G dense 100 -> 7x7x64 (no bias),
    batch norm, LeakyReLU(0.2), 5x5 stride-2 transposed convolutions to
    14x14x32 (batch norm, LeakyReLU) and 28x28x1 (tanh); D 5x5 stride-2
    convolutions 1 -> 32 -> 64 with LeakyReLU(0.2), dense sigmoid unit.
    Adam 2e-4 (0.5, 0.999), batch 64; per batch one generator update on the
    non-saturating loss, then one discriminator update on the real and the
    same generated batch in one call, as mnistgen's step. ``--ema DECAY``
    also keeps an averaged copy of the generator, updated after each
    generator update (``ema=DECAY``).
``vae``
    ``VAEGenerator(architecture="conv", latent_dim=32)``: encoder 3x3
    stride-2 ReLU convolutions 1 -> 32 -> 64, ReLU dense layers of 512 and
    256 units (``conv_dense_units``), linear heads for the mean and
    log-variance; decoder ReLU dense layers 256, 512 and 7x7x64, a 3x3
    stride-2 ReLU transposed convolution to 14x14x32, one to 28x28x1 with a
    sigmoid. The
    report's loss (binary cross-entropy summed over pixels plus KL, mean
    over the batch), Adam 1e-3, batch 100.

Prints ``epoch I SECONDS s LOSSES`` per epoch (the format of the reference
recipes in ``benchmarks/reference``; the losses are the epoch's means over
its images), then ``sample SECONDS`` (the median of 5 timed
``sample(10_000)`` equivalents after one untimed) and, first,
``flops_per_image N`` (counted from the layers' shapes as
``bench_conv_speed.py`` counts mnistgen's) and, with ``--conv-rate``,
``conv_rate GFLOP/s`` of the benchmark's reference convolution.
``--device cuda`` runs on a GPU (``--channels-last`` there), where
``epoch`` lines also give images per second. Without ``MNIST_NPZ`` it
trains on random data of MNIST's shape, which is enough for timing.
"""
import argparse
import copy
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import timed  # noqa: E402  (median of timed calls after a first, as for mnistgen)


def conv_gan(latent_dim=100, filters=(32, 64)):
    """The conv GAN's generator and discriminator (28x28 greyscale).

    PyTorch's default initialisation (kernels and biases uniform in
    +-1/sqrt(fan_in)) is the one mnistgen's networks copy.
    """
    f1, f2 = filters
    generator = nn.Sequential(
        nn.Linear(latent_dim, 7 * 7 * f2, bias=False),
        # Keras's momentum 0.9 is PyTorch's 0.1; Keras's epsilon is 1e-3
        nn.BatchNorm1d(7 * 7 * f2, eps=1e-3, momentum=0.1), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (f2, 7, 7)),
        nn.ConvTranspose2d(f2, f1, 5, stride=2, padding=2, output_padding=1),
        nn.BatchNorm2d(f1, eps=1e-3, momentum=0.1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(f1, 1, 5, stride=2, padding=2, output_padding=1), nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, f1, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Conv2d(f1, f2, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(7 * 7 * f2, 1), nn.Sigmoid(),
    )
    return generator, discriminator


class ConvVAE(nn.Module):
    """The conv VAE's encoder and decoder (28x28 greyscale)."""

    def __init__(self, latent_dim=32, filters=(32, 64), dense_units=(512, 256)):
        super().__init__()
        f1, f2 = filters
        flat = 7 * 7 * f2
        hidden = [flat, *dense_units]
        self.encoder = nn.Sequential(
            nn.Conv2d(1, f1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(f1, f2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
            *[m for i, o in zip(hidden, hidden[1:]) for m in (nn.Linear(i, o), nn.ReLU())],
        )
        self.z_mean = nn.Linear(hidden[-1], latent_dim)
        self.z_log_var = nn.Linear(hidden[-1], latent_dim)
        back = [latent_dim, *reversed(hidden)]
        self.decoder = nn.Sequential(
            *[m for i, o in zip(back, back[1:]) for m in (nn.Linear(i, o), nn.ReLU())],
            nn.Unflatten(1, (f2, 7, 7)),
            nn.ConvTranspose2d(f2, f1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(f1, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        h = self.encoder(x)
        mean, log_var = self.z_mean(h), self.z_log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decoder(z), mean, log_var


def forward_flops(module, example):
    """FLOPs of one image through ``module``'s convolutions and linear layers (2 per multiply-add).

    Counted as ``bench_conv_speed.forward_flops`` counts the Keras models,
    from the shapes seen by a forward pass of ``example`` (one image's input).
    """
    total = []

    def count(layer, inputs, output):
        if isinstance(layer, nn.ConvTranspose2d):  # every input pixel scatters a kernel
            pixels = inputs[0].shape[-2] * inputs[0].shape[-1]
        elif isinstance(layer, nn.Conv2d):  # every output pixel gathers one
            pixels = output.shape[-2] * output.shape[-1]
        else:
            total.append(2 * layer.weight.numel())
            return
        total.append(2 * pixels * layer.weight.numel())

    hooks = [m.register_forward_hook(count) for m in module.modules()
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    with torch.no_grad():
        module.eval()(example)
    module.train()
    for hook in hooks:
        hook.remove()
    return sum(total)


def training_flops(model, latent_dim):
    """FLOPs of one training image, counted as ``bench_conv_speed.training_flops``."""
    if model == "gan":
        generator, discriminator = conv_gan(latent_dim)
        return (3 * forward_flops(generator, torch.zeros(1, latent_dim))
                + 9 * forward_flops(discriminator, torch.zeros(1, 1, 28, 28)))
    return 3 * forward_flops(ConvVAE(latent_dim), torch.zeros(1, 1, 28, 28))


def data(device, memory_format):
    """The 60,000 training images as (n, 1, 28, 28) floats in [0, 1]."""
    path = os.environ.get("MNIST_NPZ")
    if path:
        with np.load(path) as d:
            x = d["x_train"].astype("float32") / 255.0
    else:
        x = np.random.rand(60000, 28, 28).astype("float32")
    return torch.from_numpy(x[:, None]).to(device).contiguous(memory_format=memory_format)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def train_gan(x, epochs, device, memory_format, ema=None, latent_dim=100):
    generator, discriminator = (m.to(device).to(memory_format=memory_format) for m in conv_gan(latent_dim))
    averaged = copy.deepcopy(generator) if ema else None
    og = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    batch = 64
    for epoch in range(epochs):
        sync(device)
        t = time.perf_counter()
        perm = torch.randperm(len(x), device=device)
        d_sum = g_sum = 0.0
        for i in range(0, len(x), batch):
            real = x[perm[i:i + batch]] * 2.0 - 1.0
            n = len(real)
            og.zero_grad(set_to_none=True)
            fake = generator(torch.randn(n, latent_dim, device=device))
            g_loss = F.binary_cross_entropy(discriminator(fake), torch.ones(n, 1, device=device))
            g_loss.backward()
            og.step()
            if averaged is not None:
                with torch.no_grad():
                    a = list(averaged.parameters()) + list(averaged.buffers())
                    w = list(generator.parameters()) + list(generator.buffers())
                    for av, wv in zip(a, w):
                        if av.dtype.is_floating_point:
                            av.lerp_(wv, 1.0 - ema)
            od.zero_grad(set_to_none=True)
            both = torch.cat([real, fake.detach()])
            targets = torch.cat([torch.ones(n, 1, device=device), torch.zeros(n, 1, device=device)])
            d_loss = F.binary_cross_entropy(discriminator(both), targets)
            d_loss.backward()
            od.step()
            d_sum, g_sum = d_sum + d_loss.detach() * n, g_sum + g_loss.detach() * n
        sync(device)
        seconds = time.perf_counter() - t
        d_mean, g_mean = float(d_sum) / len(x), float(g_sum) / len(x)
        print(f"epoch {epoch} {seconds:.2f}s d {d_mean:.4f} g {g_mean:.4f} "
              f"images/s {len(x) / seconds:.0f}", flush=True)
    sampler = averaged if averaged is not None else generator
    sampler.eval()

    def sample():
        with torch.no_grad():
            return ((sampler(torch.randn(10_000, latent_dim, device=device)) + 1) / 2).cpu()

    return timed(lambda: (sample(), sync(device)))


def train_vae(x, epochs, device, memory_format, latent_dim=32):
    model = ConvVAE(latent_dim).to(device).to(memory_format=memory_format)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    batch = 100
    for epoch in range(epochs):
        sync(device)
        t = time.perf_counter()
        perm = torch.randperm(len(x), device=device)
        total = 0.0
        for i in range(0, len(x), batch):
            images = x[perm[i:i + batch]]
            optimizer.zero_grad(set_to_none=True)
            recon, mean, log_var = model(images)
            n = len(images)
            bce = F.binary_cross_entropy(recon, images, reduction="sum") / n
            kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / n
            loss = bce + kl
            loss.backward()
            optimizer.step()
            total = total + loss.detach() * n
        sync(device)
        seconds = time.perf_counter() - t
        print(f"epoch {epoch} {seconds:.2f}s loss {float(total) / len(x):.3f} images/s {len(x) / seconds:.0f}",
              flush=True)
    model.eval()

    def sample():
        with torch.no_grad():
            return model.decoder(torch.randn(10_000, latent_dim, device=device)).cpu()

    return timed(lambda: (sample(), sync(device)))


def conv_rate(device, memory_format, batch=256, steps=20):
    """GFLOP/s of the reference convolution: 5x5, stride 2, 14x14x32 -> 7x7x64.

    The discriminator's second layer, the models' largest: forward, input
    gradient and kernel gradient (6 FLOPs per multiply-add of the forward
    product), ``steps`` times per timing, the best of 3 timings.
    """
    conv = nn.Conv2d(32, 64, 5, stride=2, padding=2).to(device).to(memory_format=memory_format)
    h = torch.randn(batch, 32, 14, 14, device=device).contiguous(memory_format=memory_format)
    h.requires_grad_(True)

    def run():
        for _ in range(steps):
            conv(h).sum().backward()

    flops = 6 * batch * 7 * 7 * 25 * 32 * 64 * steps
    best = min(timed(lambda: (run(), sync(device)), repeats=1) for _ in range(3))
    return flops / best / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=["gan", "vae"])
    parser.add_argument("epochs", type=int)
    parser.add_argument("--ema", type=float, default=None, help="averaged generator's decay (gan)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-train", type=int, default=None, help="first N images only")
    parser.add_argument("--conv-rate", action="store_true", help="also time the reference convolution")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    print(f"torch {torch.__version__}, {device}, {torch.get_num_threads()} threads", flush=True)
    latent_dim = 100 if args.model == "gan" else 32
    print(f"flops_per_image {training_flops(args.model, latent_dim)}", flush=True)
    x = data(device, memory_format)[: args.n_train]
    if args.model == "gan":
        seconds = train_gan(x, args.epochs, device, memory_format, ema=args.ema)
    else:
        seconds = train_vae(x, args.epochs, device, memory_format)
    print(f"sample {seconds:.4f}", flush=True)
    if args.conv_rate:
        print(f"conv_rate {conv_rate(device, memory_format):.1f}", flush=True)


if __name__ == "__main__":
    main()
