"""PyTorch twins of mnistgen's convolutional models, timed per epoch (a benchmark's peer).

Run by ``bench_conv_speed.py`` in PyTorch's own environment (PyTorch is
never a dependency of mnistgen)::

    MNIST_NPZ=/path/to/mnist.npz /tmp/torchenv/bin/python benchmarks/twin_conv_torch.py gan 3
    /tmp/torchenv/bin/python benchmarks/twin_conv_torch.py gan-recommended --n-train 256 1

Each twin has the layers, sizes, initial weight ranges, label inputs,
losses, penalty, batch size, optimiser and step order of the mnistgen model
it is named after (:func:`mnistgen.networks.build_conv_gan_generator` and
the others):

``gan``
    ``GANGenerator(architecture="conv")``: G dense 100 -> 7x7x64 (no bias),
    batch norm, LeakyReLU(0.2), 5x5 stride-2 transposed convolutions to
    14x14x32 (batch norm, LeakyReLU) and 28x28x1 (tanh); D 5x5 stride-2
    convolutions 1 -> 32 -> 64 with LeakyReLU(0.2), dense sigmoid unit.
    Adam 2e-4 (0.5, 0.999), batch 64; per batch one generator update on the
    non-saturating loss, then one discriminator update on the real and the
    same generated batch, as mnistgen's convolutional step: one call of D on
    the generated batch serves both updates, the real batch in a call of
    its own, each update's gradients from its own backward. ``--ema DECAY``
    also keeps an averaged copy of the generator (weights and batch-norm
    statistics), updated after each generator update with mnistgen's
    warm-up: momentum ``min(DECAY, (1 + t) / (10 + t))`` at update ``t``.
``vae``
    ``VAEGenerator(architecture="conv", latent_dim=32)``: encoder 3x3
    stride-2 ReLU convolutions 1 -> 32 -> 64, ReLU dense layers of 512 and
    256 units (``conv_dense_units``; ``--dense-units 256`` for one of 256),
    linear heads for the mean and log-variance; decoder ReLU dense layers
    256, 512 and 7x7x64 (the same widths reversed), a 3x3
    stride-2 ReLU transposed convolution to 14x14x32, one to 28x28x1 with a
    sigmoid. The
    report's loss (binary cross-entropy summed over pixels plus KL, mean
    over the batch), Adam 1e-3, batch 100. ``--prior mixture`` (with
    ``--prior-components K``, default 10) learns a mixture of K diagonal
    Gaussians as the prior, its parameters trained by the same Adam, the
    KL term then ``log q(z|x) - log p(z)`` at the decoded code, and samples
    drawn from the mixture.
``gan-recommended``, ``cgan-recommended``
    ``GANGenerator.from_preset("recommended")`` and its conditional recipe
    (``conditional=True``) as the preset is written today: the ``gan``
    twin with ``--ema 0.999 --loss bce-r1 --conditioning projection`` and
    ``--classes 50 --self-conditioning`` or ``--classes 10``. The generator
    takes the one-hot label concatenated to ``z``; the projection
    discriminator reads the image alone and adds to its logit the inner
    product of its last features (7x7x64, flattened) with a learned
    embedding of the one-hot label (a dense layer without bias, weights
    normal with standard deviation 0.02). ``bce-r1`` is the binary
    cross-entropy on the logit (``softplus(-s)`` for the generator, the
    mean of ``softplus(-s_real)`` and ``softplus(s_fake)`` for the
    discriminator) plus ``gp_weight * ||grad_x D(x)||^2 / 2`` at the real
    images (its input gradient taken with ``create_graph=True``: from D's
    call on the real batch where the penalty is due on every step, else
    from a call of its own), with ``--gp-interval K`` on every K-th
    discriminator step only, weighted K times. Self-conditioning's labels
    are k-means cluster ids, found once before training and outside the
    timed epochs; the twin trains on random ids in ``0 .. K-1`` instead,
    which cost the same per epoch. Conditional twins train on MNIST's
    labels where ``MNIST_NPZ`` holds ``y_train``, else on random ones.
``vae-recommended``, ``cvae-recommended``
    ``VAEGenerator.from_preset("recommended")`` and its conditional
    recipe: the ``vae`` twin with ``--dense-units 256 --prior mixture``
    (the preset's Gaussian-mixture latent sampler is fitted after training
    and is not part of an epoch) and, with ``--classes 10`` and the dense layers of
    512 and 256, the conditional one: the encoder reads the one-hot
    label as 10 constant image channels, the decoder takes it concatenated
    to ``z``.

``bench_conv_speed.py`` reads each preset's recipe from mnistgen and passes
it as flags (``--ema``, ``--loss``, ``--gp-weight``, ``--gp-interval``,
``--classes``, ``--self-conditioning``, ``--conditioning``,
``--latent-dim``, ``--batch-size``, ``--dense-units``) to the ``gan`` or ``vae`` twin, so that
a changed recipe is followed; the preset names here are today's recipes,
for runs by hand.

Prints ``settings ...`` (the twin's settings), ``flops_per_image N``
(counted from the layers' shapes as ``bench_conv_speed.py`` counts
mnistgen's: see :func:`training_flops`) and, per epoch, ``epoch I SECONDS s
LOSSES`` (the format of the reference recipes in ``benchmarks/reference``;
the losses are the epoch's means over its images), then ``sample SECONDS``
(the median of 5 timed ``sample(10_000)`` equivalents after one untimed)
and, with ``--conv-rate``, ``conv_rate GFLOP/s`` of the benchmark's
reference convolution. ``--device cuda`` runs on a GPU (``--channels-last``
there), where ``epoch`` lines also give images per second. Without
``MNIST_NPZ`` it trains on random data of MNIST's shape, which is enough
for timing; ``--n-train N`` keeps the first N images (a smoke run).
``--lockstep`` prints ``ready`` and waits for a line on standard input
before each epoch and before the timings after the last:
``bench_conv_speed.py`` runs the twin's epochs between mnistgen's, so that
the two frameworks are timed side by side on the same host, never at once
(where its input ends, the benchmark has stopped, and so does the twin).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import timed  # noqa: E402  (median of timed calls after a first, as for mnistgen)

#: The settings of each twin. ``classes``: one-hot labels of that many
#: classes (0: unconditional); ``self_conditioning``: the labels stand for
#: cluster ids (random here); ``conditioning``: how the discriminator reads
#: them ("input": constant image channels; "projection").
GAN_DEFAULTS = dict(kind="gan", latent_dim=100, batch_size=64, ema=None, classes=0,
                    self_conditioning=False, conditioning="input", loss="bce",
                    gp_weight=1.0, gp_interval=1)
VAE_DEFAULTS = dict(kind="vae", latent_dim=32, batch_size=100, classes=0, dense_units=(512, 256),
                    prior="normal", prior_components=10)
RECIPES = {
    "gan": GAN_DEFAULTS,
    "vae": VAE_DEFAULTS,
    # mnistgen's "recommended" presets as written today (mnistgen/_presets.py)
    "gan-recommended": {**GAN_DEFAULTS, "ema": 0.999, "classes": 50, "self_conditioning": True,
                        "conditioning": "projection", "loss": "bce-r1"},
    "cgan-recommended": {**GAN_DEFAULTS, "ema": 0.999, "classes": 10,
                         "conditioning": "projection", "loss": "bce-r1", "gp_interval": 4},
    "vae-recommended": {**VAE_DEFAULTS, "dense_units": (256,), "prior": "mixture"},
    "cvae-recommended": {**VAE_DEFAULTS, "classes": 10},
}
#: The losses the GAN twin has (mnistgen's GAN_LOSSES of the same names).
LOSSES = ("bce", "bce-logits", "bce-r1")


def label_maps(labels, size):
    """One-hot labels ``(n, k)`` as ``k`` constant channels of ``size`` images ``(n, k, H, W)``."""
    return labels[:, :, None, None].expand(-1, -1, *size)


class Generator(nn.Module):
    """The conv GAN's generator; a conditional one takes the one-hot label concatenated to ``z``.

    PyTorch's default initialisation (kernels and biases uniform in
    +-1/sqrt(fan_in)) is the one mnistgen's networks copy.
    """

    def __init__(self, latent_dim=100, filters=(32, 64), n_classes=0):
        super().__init__()
        f1, f2 = filters
        self.net = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 7 * 7 * f2, bias=False),
            # Keras's momentum 0.9 is PyTorch's 0.1; Keras's epsilon is 1e-3
            nn.BatchNorm1d(7 * 7 * f2, eps=1e-3, momentum=0.1), nn.LeakyReLU(0.2),
            nn.Unflatten(1, (f2, 7, 7)),
            nn.ConvTranspose2d(f2, f1, 5, stride=2, padding=2, output_padding=1),
            nn.BatchNorm2d(f1, eps=1e-3, momentum=0.1), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(f1, 1, 5, stride=2, padding=2, output_padding=1), nn.Tanh(),
        )

    def forward(self, z, labels=None):
        return self.net(z if labels is None else torch.cat([z, labels], 1))


class Discriminator(nn.Module):
    """The conv GAN's discriminator: a probability, or with ``logits`` the logit.

    A conditional one reads the one-hot label as constant image channels
    (``conditioning="input"``), or adds to its logit the inner product of
    its flattened last features with a learned embedding of the label
    (``"projection"``, Miyato & Koyama 2018; mnistgen's ``class_embedding``,
    a dense layer without bias, initialised normal with deviation 0.02).
    """

    def __init__(self, filters=(32, 64), n_classes=0, conditioning="input", logits=False):
        super().__init__()
        f1, f2 = filters
        self.label_channels = n_classes if conditioning == "input" else 0
        self.features = nn.Sequential(
            nn.Conv2d(1 + self.label_channels, f1, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(f1, f2, 5, stride=2, padding=2), nn.LeakyReLU(0.2), nn.Flatten(),
        )
        self.score = nn.Linear(7 * 7 * f2, 1)
        self.embedding = None
        if n_classes and conditioning == "projection":
            self.embedding = nn.Linear(n_classes, 7 * 7 * f2, bias=False)
            nn.init.normal_(self.embedding.weight, 0.0, 0.02)
        self.logits = logits

    def forward(self, x, labels=None):
        if self.label_channels:
            x = torch.cat([x, label_maps(labels, x.shape[-2:])], 1)
        h = self.features(x)
        score = self.score(h)
        if self.embedding is not None:
            score = score + (self.embedding(labels) * h).sum(1, keepdim=True)
        return score if self.logits else torch.sigmoid(score)


def conv_gan(cfg):
    """The generator and discriminator of the GAN twin of settings ``cfg``."""
    k = cfg["classes"]
    return (Generator(cfg["latent_dim"], n_classes=k),
            Discriminator(n_classes=k, conditioning=cfg["conditioning"], logits=cfg["loss"] != "bce"))


class ConvVAE(nn.Module):
    """The conv VAE's encoder and decoder (28x28 greyscale).

    A conditional one (``n_classes``) gives the encoder the one-hot label as
    constant image channels and the decoder the label concatenated to ``z``.
    """

    def __init__(self, latent_dim=32, filters=(32, 64), dense_units=(512, 256), n_classes=0,
                 prior_components=0):
        super().__init__()
        f1, f2 = filters
        flat = 7 * 7 * f2
        hidden = [flat, *dense_units]
        self.encoder = nn.Sequential(
            nn.Conv2d(1 + n_classes, f1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(f1, f2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
            *[m for i, o in zip(hidden, hidden[1:]) for m in (nn.Linear(i, o), nn.ReLU())],
        )
        self.z_mean = nn.Linear(hidden[-1], latent_dim)
        self.z_log_var = nn.Linear(hidden[-1], latent_dim)
        back = [latent_dim + n_classes, *reversed(hidden)]
        self.decoder = nn.Sequential(
            *[m for i, o in zip(back, back[1:]) for m in (nn.Linear(i, o), nn.ReLU())],
            nn.Unflatten(1, (f2, 7, 7)),
            nn.ConvTranspose2d(f2, f1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(f1, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )
        # a learned prior (mnistgen's prior="mixture"): a mixture of diagonal Gaussians
        self.prior = MixturePrior(prior_components, latent_dim) if prior_components else None

    def decode(self, z, labels=None):
        return self.decoder(z if labels is None else torch.cat([z, labels], 1))

    def forward(self, x, labels=None):
        if labels is not None:
            x = torch.cat([x, label_maps(labels, x.shape[-2:])], 1)
        h = self.encoder(x)
        mean, log_var = self.z_mean(h), self.z_log_var(h)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decode(z, labels), mean, log_var, z

    def kl(self, z, mean, log_var):
        """The KL term of each row: analytic for N(0, I), else ``log q(z|x) - log p(z)`` at ``z``."""
        if self.prior is None:
            return -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp(), 1)
        return log_normal(z, mean, log_var) - self.prior(z)


def log_normal(z, mean, log_var):
    """Log density of N(mean, exp(log_var)) at ``z``, summed over the last axis."""
    return -0.5 * torch.sum(math.log(2 * math.pi) + log_var + (z - mean).pow(2) / log_var.exp(), -1)


class MixturePrior(nn.Module):
    """mnistgen's ``prior="mixture"``: trainable means (standard normal at the
    start), log-variances (0) and weights (equal) of ``k`` Gaussians."""

    def __init__(self, k, latent_dim):
        super().__init__()
        self.means = nn.Parameter(torch.randn(k, latent_dim))
        self.log_vars = nn.Parameter(torch.zeros(k, latent_dim))
        self.logits = nn.Parameter(torch.zeros(k))

    def forward(self, z):
        per_component = log_normal(z[:, None, :], self.means[None], self.log_vars[None])
        return torch.logsumexp(per_component + torch.log_softmax(self.logits, 0)[None], 1)

    def draw(self, n):
        component = torch.multinomial(torch.softmax(self.logits, 0), n, replacement=True)
        noise = torch.randn(n, self.means.shape[1], device=self.means.device)
        return self.means[component] + torch.exp(0.5 * self.log_vars[component]) * noise


def vae_twin(cfg):
    """The VAE twin of the settings ``cfg``."""
    components = cfg["prior_components"] if cfg["prior"] == "mixture" else 0
    return ConvVAE(cfg["latent_dim"], dense_units=cfg["dense_units"], n_classes=cfg["classes"],
                   prior_components=components)


def forward_flops(module, *example):
    """FLOPs of one image through ``module``'s convolutions and linear layers (2 per multiply-add).

    Counted as ``bench_conv_speed.forward_flops`` counts the Keras models,
    from the shapes seen by a forward pass of ``example`` (one image's
    inputs: the image or code, and the one-hot label or None).
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
        module.eval()(*example)
    module.train()
    for hook in hooks:
        hook.remove()
    return sum(total)


def training_flops(cfg):
    """FLOPs of one training image, counted as ``bench_conv_speed.training_flops``.

    Every pass's backward is twice its forward. GAN: G once (3x), D's
    forward on the generated and the real batch (2x), its backward on the
    generated batch for G's update (2x) and on both for its own (4x); the
    R1 penalty adds, on every ``gp_interval``-th step, D's forward and input
    gradient on the real batch and the backward of both for D's weights,
    counted as twice a forward and backward (6x D), so ``6 * D //
    gp_interval``; 5x D on every step, where the forward is D's call on the
    real batch. VAE: encoder and decoder once (3x).
    """
    k = cfg["classes"]
    labels = torch.zeros(1, k) if k else None
    image = torch.zeros(1, 1, 28, 28)
    if cfg["kind"] == "vae":
        return 3 * forward_flops(vae_twin(cfg), image, labels)
    generator, discriminator = conv_gan(cfg)
    g = forward_flops(generator, torch.zeros(1, cfg["latent_dim"]), labels)
    d = forward_flops(discriminator, image, labels)
    passes = 5 if penalty_every_step(cfg) else 6
    penalty = passes * d // cfg["gp_interval"] if cfg["loss"] == "bce-r1" else 0
    return 3 * g + 8 * d + penalty


def data(device, memory_format, n=None, classes=0, cluster_ids=False):
    """The first ``n`` training images as (n, 1, 28, 28) floats in [0, 1], and their one-hot labels.

    The labels (None without ``classes``) are MNIST's where ``MNIST_NPZ``
    holds ``y_train`` and ``cluster_ids`` is off, else random ids in
    ``0 .. classes-1`` (what self-conditioning's cluster ids cost).
    """
    path, y = os.environ.get("MNIST_NPZ"), None
    if path:
        with np.load(path) as d:
            x = d["x_train"][:n].astype("float32") / 255.0
            if classes and not cluster_ids and "y_train" in d.files:
                y = np.unique(d["y_train"][:n], return_inverse=True)[1].reshape(-1)
    else:
        x = np.random.default_rng(0).random((n or 60000, 28, 28), dtype=np.float32)
    x = torch.from_numpy(x[:, None]).to(device).contiguous(memory_format=memory_format)
    if not classes:
        return x, None
    if y is None:
        y = np.random.default_rng(1).integers(0, classes, len(x))
    return x, F.one_hot(torch.from_numpy(y).long(), classes).float().to(device)


def random_labels(n, classes, device):
    """``n`` one-hot labels drawn uniformly, or None without ``classes``."""
    if not classes:
        return None
    return F.one_hot(torch.randint(0, classes, (n,), device=device), classes).float()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


#: Called before each epoch and after the last: ``--lockstep`` makes it :func:`wait`.
WAIT = [lambda: None]


def wait():
    """Say ``ready`` and wait for a line on standard input (``--lockstep``); stop
    where the input ends (the benchmark has stopped)."""
    print("ready", flush=True)
    if not sys.stdin.readline():
        sys.exit("twin_conv_torch.py --lockstep: standard input closed, stopping")


def run_epochs(x, labels, epochs, batch, device, step, names):
    """Train ``epochs`` epochs of shuffled mini-batches; print one ``epoch`` line each.

    ``step(images, labels)`` trains on one batch and returns its mean
    losses, logged as ``names`` (``(name, format)`` pairs) averaged over
    the epoch's images.
    """
    for epoch in range(epochs):
        WAIT[0]()
        sync(device)
        t = time.perf_counter()
        perm = torch.randperm(len(x), device=device)
        sums = [0.0] * len(names)
        for i in range(0, len(x), batch):
            rows = perm[i:i + batch]
            losses = step(x[rows], None if labels is None else labels[rows])
            sums = [s + loss.detach() * len(rows) for s, loss in zip(sums, losses)]
        sync(device)
        seconds = time.perf_counter() - t
        logged = " ".join(f"{name} {float(s) / len(x):{fmt}}" for (name, fmt), s in zip(names, sums))
        print(f"epoch {epoch} {seconds:.2f}s {logged} images/s {len(x) / seconds:.0f}", flush=True)
    WAIT[0]()


def ema_update(averaged, generator, ema, t):
    """mnistgen's averaged generator after generator update ``t`` (1, 2, ...), warmed up."""
    decay = min(ema, (1.0 + t) / (10.0 + t))
    with torch.no_grad():
        pairs = zip([*averaged.parameters(), *averaged.buffers()],
                    [*generator.parameters(), *generator.buffers()])
        for av, wv in pairs:
            if av.dtype.is_floating_point:  # not batch norm's step counter
                av.lerp_(wv, 1.0 - decay)


def generator_loss(scores, loss):
    """The non-saturating generator loss: on a probability (``bce``) or a logit."""
    if loss == "bce":
        return F.binary_cross_entropy(scores, torch.ones_like(scores))
    return F.softplus(-scores).mean()


def r1_rows(grad):
    """R1 from the input gradient at the real images: ``||grad||^2 / 2`` per row, their mean."""
    return 0.5 * grad.square().flatten(1).sum(1).mean()


def r1_penalty(discriminator, real, labels):
    """Mean over rows of ``||grad_x D(x)||^2 / 2`` at the real images (Mescheder et al. 2018).

    As mnistgen's ``r1_penalty``: a second discriminator call on the real
    batch, its input gradient kept in the graph for the weights' gradient.
    """
    return scores_and_r1(discriminator, real, labels)[1]


def scores_and_r1(discriminator, real, labels):
    """D's scores of the real batch and R1 from their input gradient, from one call."""
    x = real.detach().requires_grad_(True)
    scores = discriminator(x, labels)
    grad, = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return scores, r1_rows(grad)


def penalty_every_step(cfg):
    """Whether R1 is due on every step: its input gradient then comes from D's call on the real batch."""
    return cfg["loss"] == "bce-r1" and cfg["gp_interval"] == 1


def score_real(discriminator, real, labels, cfg):
    """D's scores of the real batch, and R1 from the same call where it is due on every step (else None)."""
    if not penalty_every_step(cfg):
        return discriminator(real, labels), None
    return scores_and_r1(discriminator, real, labels)


def discriminator_loss(discriminator, real, scores, labels, cfg, step, r1=None):
    """mnistgen's discriminator objective from the scores of ``[real; fake]`` (mean over both).

    With ``bce-r1`` the R1 penalty (``r1`` where given, else from a call of
    its own) is added on every ``gp_interval``-th discriminator ``step``
    (counted from 0, as the optimizer's iterations), weighted ``gp_weight *
    gp_interval``.
    """
    n = len(real)
    if cfg["loss"] == "bce":
        targets = torch.cat([torch.ones_like(scores[:n]), torch.zeros_like(scores[n:])])
        loss = F.binary_cross_entropy(scores, targets)
    else:
        loss = torch.cat([F.softplus(-scores[:n]), F.softplus(scores[n:])]).mean()
    if cfg["loss"] == "bce-r1" and step % cfg["gp_interval"] == 0:
        weight = cfg["gp_weight"] * cfg["gp_interval"]
        loss = loss + weight * (r1_penalty(discriminator, real, labels) if r1 is None else r1)
    return loss


def gan_step(generator, discriminator, averaged, cfg, device):
    """mnistgen's GAN step (one critic step, no spectral normalisation).

    One call of D on the generated batch serves both updates, each
    update's gradients from its own backward pass (``backward(inputs=...)``);
    D scores the real batch in a call of its own, whose input gradient
    gives R1 where it is due on every step. Then G's update, the average,
    and D's update.
    """
    og = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    g_params, d_params = list(generator.parameters()), list(discriminator.parameters())
    steps = {"g": 0, "d": 0}

    def step(images, labels):
        real = images * 2.0 - 1.0
        og.zero_grad(set_to_none=True)
        od.zero_grad(set_to_none=True)
        fake = generator(torch.randn(len(real), cfg["latent_dim"], device=device), labels)
        fake_scores = discriminator(fake, labels)
        g_loss = generator_loss(fake_scores, cfg["loss"])
        real_scores, r1 = score_real(discriminator, real, labels, cfg)
        scores = torch.cat([real_scores, fake_scores])
        d_loss = discriminator_loss(discriminator, real, scores, labels, cfg, steps["d"], r1)
        g_loss.backward(inputs=g_params, retain_graph=True)
        d_loss.backward(inputs=d_params)
        og.step()
        steps["g"] += 1
        if averaged is not None:
            ema_update(averaged, generator, cfg["ema"], steps["g"])
        od.step()
        steps["d"] += 1
        return d_loss, g_loss

    return step


def train_gan(x, labels, epochs, device, memory_format, cfg):
    """Train the GAN twin; return the seconds of one ``sample(10_000)``."""
    generator, discriminator = (m.to(device).to(memory_format=memory_format) for m in conv_gan(cfg))
    averaged = copy.deepcopy(generator) if cfg["ema"] else None
    step = gan_step(generator, discriminator, averaged, cfg, device)
    run_epochs(x, labels, epochs, cfg["batch_size"], device, step, [("d", ".4f"), ("g", ".4f")])
    sampler = averaged if averaged is not None else generator
    sampler.eval()

    def sample():
        with torch.no_grad():
            z = torch.randn(10_000, cfg["latent_dim"], device=device)
            return ((sampler(z, random_labels(10_000, cfg["classes"], device)) + 1) / 2).cpu()

    return timed(lambda: (sample(), sync(device)))


def train_vae(x, labels, epochs, device, memory_format, cfg):
    """Train the VAE twin; return the seconds of one ``sample(10_000)``."""
    model = vae_twin(cfg).to(device).to(memory_format=memory_format)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)

    def step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        recon, mean, log_var, z = model(images, labels)
        n = len(images)
        bce = F.binary_cross_entropy(recon, images, reduction="sum") / n
        loss = bce + model.kl(z, mean, log_var).sum() / n
        loss.backward()
        optimizer.step()
        return (loss,)

    run_epochs(x, labels, epochs, cfg["batch_size"], device, step, [("loss", ".3f")])
    model.eval()

    def sample():
        with torch.no_grad():
            if model.prior is None:
                z = torch.randn(10_000, cfg["latent_dim"], device=device)
            else:
                z = model.prior.draw(10_000)
            return model.decode(z, random_labels(10_000, cfg["classes"], device)).cpu()

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


#: The flags that override a twin's settings, by setting (None: not given).
FLAGS = {
    "latent_dim": dict(type=int, help="size of z (gan: 100, vae: 32)"),
    "batch_size": dict(type=int, help="images per step (gan: 64, vae: 100)"),
    "ema": dict(type=float, help="averaged generator's decay (gan)"),
    "classes": dict(type=int, help="one-hot labels of this many classes (0: unconditional)"),
    "self_conditioning": dict(action="store_const", const=True,
                              help="the labels stand for self-conditioning's cluster ids (gan)"),
    "conditioning": dict(choices=["input", "projection"], help="how D reads the labels (gan)"),
    "loss": dict(choices=LOSSES, help="the adversarial loss (gan)"),
    "gp_weight": dict(type=float, help="the R1 penalty's weight (gan, bce-r1)"),
    "gp_interval": dict(type=int, help="the R1 penalty on every K-th D step, weighted K times"),
    "dense_units": dict(type=lambda text: tuple(int(u) for u in text.split(",")),
                        help="widths of the dense layers, comma-separated (vae: 512,256)"),
    "prior": dict(choices=["normal", "mixture"], help="the prior (vae: normal, N(0, I))"),
    "prior_components": dict(type=int, help="Gaussians of --prior mixture (vae: 10)"),
}


def settings(parser, args):
    """The twin's settings: the model's recipe, the flags given on top."""
    cfg = dict(RECIPES[args.model])
    for key in FLAGS:
        value = getattr(args, key)
        if value is None:
            continue
        if key not in cfg:
            parser.error(f"--{key.replace('_', '-')} is not a setting of the {cfg['kind']} twin")
        cfg[key] = value
    if cfg.get("self_conditioning") and not cfg["classes"]:
        parser.error("--self-conditioning needs --classes K (the number of clusters)")
    if cfg.get("gp_interval", 1) < 1:
        parser.error("--gp-interval must be at least 1")
    return cfg


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=list(RECIPES))
    parser.add_argument("epochs", type=int)
    for key, options in FLAGS.items():
        parser.add_argument("--" + key.replace("_", "-"), default=None, **options)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-train", type=int, default=None, help="first N images only")
    parser.add_argument("--conv-rate", action="store_true", help="also time the reference convolution")
    parser.add_argument("--lockstep", action="store_true",
                        help="wait for a line on standard input before each epoch and after the last")
    args = parser.parse_args(argv)
    if args.lockstep:
        WAIT[0] = wait
    cfg = settings(parser, args)
    torch.manual_seed(0)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    print(f"torch {torch.__version__}, {device}, {torch.get_num_threads()} threads", flush=True)
    print(f"settings {json.dumps(cfg, sort_keys=True)}", flush=True)
    print(f"flops_per_image {training_flops(cfg)}", flush=True)
    x, labels = data(device, memory_format, args.n_train, cfg["classes"],
                     cluster_ids=cfg.get("self_conditioning", False))
    train = train_gan if cfg["kind"] == "gan" else train_vae
    seconds = train(x, labels, args.epochs, device, memory_format, cfg)
    print(f"sample {seconds:.4f}", flush=True)
    if args.conv_rate:
        print(f"conv_rate {conv_rate(device, memory_format):.1f}", flush=True)


if __name__ == "__main__":
    main()
