"""The report's VAE as a plain Keras 3 model: a reference recipe.

The same model as ``ref_vae_torch.py`` (the report's section 2.2: encoder
784-512-256 ReLU with linear heads for the mean and log-variance of a 2-D
latent, decoder 2-256-512-784 ReLU then sigmoid; binary cross-entropy
summed over the pixels plus KL; Adam 1e-3; batch 100) written the way the
Keras documentation's VAE example writes it: a ``keras.Model`` with its own
``train_step`` and ``fit`` (the loss is the batch's mean, not its sum,
which Adam's updates do not notice). ``bench_speed.py`` times it next to
``VAEGenerator``: the code a user would write without mnistgen.

Usage::

    python ref_vae_keras.py EPOCHS

Environment: ``MNIST_NPZ`` (else ``MNISTGEN_MNIST_PATH``), a Keras-format
``mnist.npz`` (without either: random binary data of MNIST's shape, enough
for timing); ``REF_N``, train on the first ``REF_N`` images only (default:
all); ``JIT``, ``1`` or ``0`` to force XLA compilation on or off (default:
Keras's ``"auto"``).

Prints ``epoch I SECONDS s loss L`` after each epoch (from 0), L being the
epoch's mean negative ELBO per training image.
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

BATCH, LATENT = 100, 2


def encoder():
    x = keras.Input((784,))
    h = layers.Dense(256, activation="relu")(layers.Dense(512, activation="relu")(x))
    return keras.Model(x, [layers.Dense(LATENT)(h), layers.Dense(LATENT)(h)], name="encoder")


def decoder():
    return keras.Sequential([keras.Input((LATENT,)), layers.Dense(256, activation="relu"),
                             layers.Dense(512, activation="relu"), layers.Dense(784, activation="sigmoid")],
                            name="decoder")


class VAE(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder(), decoder()
        self.seed = keras.random.SeedGenerator()
        self.loss_mean = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_mean]

    def train_step(self, x):
        with tf.GradientTape() as tape:
            mean, log_var = self.encoder(x, training=True)
            z = mean + ops.exp(0.5 * log_var) * keras.random.normal(ops.shape(mean), seed=self.seed)
            recon = ops.sum(ops.binary_crossentropy(x, self.decoder(z, training=True)), axis=1)
            kl = -0.5 * ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), axis=1)
            loss = ops.mean(recon + kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_mean.update_state(loss)
        return {"loss": self.loss_mean.result()}


class EpochLine(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch} {time.perf_counter() - self.start:.2f}s loss {logs['loss']:.2f}", flush=True)


def main(epochs):
    jit = {"1": True, "0": False}.get(os.environ.get("JIT"), "auto")
    vae = VAE()
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    vae.fit(mnist_rows()[0], epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[EpochLine()])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
