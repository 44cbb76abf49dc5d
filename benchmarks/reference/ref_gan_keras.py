"""The report's GAN as a plain Keras 3 model: a reference recipe.

The same model as ``ref_gan_torch.py`` (the report's section 2.1: generator
100-128-256-512-1024-784 with batch norm (momentum 0.9, epsilon 0.8: the
report's ``BatchNorm1d(units, 0.8)``) and LeakyReLU(0.2), tanh output;
discriminator 784-512-256-1 with LeakyReLU(0.2), sigmoid output; binary
cross-entropy; generator step on the non-saturating loss, then
discriminator step on the real and the same generated batch; Adam 2e-4,
beta_1 0.5, for both; batch 64) written the way the Keras documentation's
GAN examples write it: a ``keras.Model`` with its own ``train_step`` and
``fit``. ``bench_speed.py`` times it next to ``GANGenerator``: the code a
user would write without mnistgen.

Usage::

    python ref_gan_keras.py EPOCHS

Environment: ``MNIST_NPZ`` (else ``MNISTGEN_MNIST_PATH``), a Keras-format
``mnist.npz`` (without either: random data of MNIST's shape, enough for
timing); ``REF_N``, train on the first ``REF_N`` images only (default:
all); ``JIT``, ``1`` or ``0`` to force XLA compilation on or off (default:
Keras's ``"auto"``).

Prints ``epoch I SECONDS s d D g G`` after each epoch (from 0), D and G
being the epoch's mean discriminator and generator losses.
"""
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

from _mnist import mnist_rows  # noqa: E402  (this folder)

BATCH, LATENT = 64, 100


def generator():
    z = keras.Input((LATENT,))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(128)(z))
    for units in (256, 512, 1024):
        h = layers.BatchNormalization(momentum=0.9, epsilon=0.8)(layers.Dense(units)(h))
        h = layers.LeakyReLU(negative_slope=0.2)(h)
    return keras.Model(z, layers.Dense(784, activation="tanh")(h), name="generator")


def discriminator():
    x = keras.Input((784,))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(512)(x))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(256)(h))
    return keras.Model(x, layers.Dense(1, activation="sigmoid")(h), name="discriminator")


class GAN(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator(), discriminator()
        self.g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.bce = keras.losses.BinaryCrossentropy()
        self.seed = keras.random.SeedGenerator()
        self.d_mean, self.g_mean = keras.metrics.Mean(name="d"), keras.metrics.Mean(name="g")

    @property
    def metrics(self):
        return [self.d_mean, self.g_mean]

    def train_step(self, real):
        n = ops.shape(real)[0]
        ones, zeros = ops.ones((n, 1)), ops.zeros((n, 1))
        z = keras.random.normal((n, LATENT), seed=self.seed)
        g_vars, d_vars = self.generator.trainable_weights, self.discriminator.trainable_weights
        with tf.GradientTape() as tape:  # non-saturating: D(G(z)) towards "real"
            fake = self.generator(z, training=True)
            g_loss = self.bce(ones, self.discriminator(fake, training=True))
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        with tf.GradientTape() as tape:  # the same generated batch; its gradient stops here
            d_loss = (self.bce(ones, self.discriminator(real, training=True))
                      + self.bce(zeros, self.discriminator(fake, training=True))) / 2
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        self.d_mean.update_state(d_loss)
        self.g_mean.update_state(g_loss)
        return {"d": self.d_mean.result(), "g": self.g_mean.result()}


class EpochLine(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch} {time.perf_counter() - self.start:.2f}s d {logs['d']:.3f} g {logs['g']:.3f}",
              flush=True)


def main(epochs):
    jit = {"1": True, "0": False}.get(os.environ.get("JIT"), "auto")
    gan = GAN()
    gan.compile(jit_compile=jit)
    gan.fit(mnist_rows(low=-1.0)[0], epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[EpochLine()])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
