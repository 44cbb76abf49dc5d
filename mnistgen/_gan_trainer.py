"""The GAN's training step, as the report's code does it.

Each step: one generator update with the non-saturating loss
``BCE(D(G(z)), 1)``, then one discriminator update with
``(BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2`` on the same generated batch. Real
images arrive in [0, 1] and are scaled to [-1, 1] here; the generator's
noise ``z`` comes with each row from the input pipeline. A conditional GAN
gives the generated batch the real batch's labels, and both networks see
them.
"""
from ._backend import get_keras, get_tensorflow
from ._distribute import batch_mean
from ._trainer import Trainer
from .networks import call

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["GANTrainer"]


class GANTrainer(Trainer):
    """Trains a generator/discriminator pair; logs both losses and mean D outputs."""

    log_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator, discriminator, latent_dim, g_optimizer, d_optimizer,
                 n_classes=0, **kwargs):
        super().__init__(latent_dim, n_classes, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def train_batch(self, real, labels, z):
        real = real * 2.0 - 1.0
        n = ops.shape(real)[0]
        ones = ops.ones((n, 1))
        zeros = ops.zeros((n, 1))
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            fake = call(self.generator, z, labels, True)
            g_loss, g_mean = batch_mean(
                ops.binary_crossentropy(ones, call(self.discriminator, fake, labels, True))
            )
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        # One discriminator call on the real and generated batches together:
        # the same loss as two calls (equal halves, no batch norm in D), with
        # matrix multiplies twice as tall.
        both = ops.concatenate([real, ops.stop_gradient(fake)], axis=0)
        targets = ops.concatenate([ones, zeros], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        with tf.GradientTape() as tape:
            scores = call(self.discriminator, both, both_labels, True)
            d_loss, d_mean = batch_mean(ops.binary_crossentropy(targets, scores))
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return d_mean, g_mean, scores[:n], scores[n:]
