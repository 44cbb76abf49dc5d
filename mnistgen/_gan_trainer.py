"""The GAN's training step: the report's, and the hinge and WGAN-GP losses beside it.

The report's step (``loss="bce"``, one critic step): one generator update
with the non-saturating loss ``BCE(D(G(z)), 1)``, then one discriminator
update with ``(BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2`` on the same generated
batch. ``"hinge"`` (Miyato et al. 2018) trains the discriminator on
``relu(1 - D(x)) + relu(1 + D(G(z)))`` and the generator on ``-D(G(z))``;
``"wgan-gp"`` (Gulrajani et al. 2017) on ``D(G(z)) - D(x)`` plus
``gp_weight`` times the squared distance of the gradient norm at random
interpolates of real and generated images from 1, the generator on
``-D(G(z))``. With ``n_critic > 1`` every mini-batch trains the
discriminator and every ``n_critic``-th also the generator. With an
averaged generator (``ema``), its weights follow each generator update.

Real images arrive in [0, 1] and are scaled to [-1, 1] here. The generator's
noise ``z`` (and, for WGAN-GP, one more draw per row for the interpolation
weight) comes with each row from the input pipeline. A conditional GAN gives
the generated batch the real batch's labels, and both networks see them.
"""
from ._backend import get_keras, get_tensorflow
from ._distribute import batch_mean, distributed
from ._trainer import Trainer
from .networks import call

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["GANTrainer"]


def _generator_rows(loss, scores):
    """Per-row generator loss from the discriminator's scores of generated images."""
    if loss == "bce":
        return ops.binary_crossentropy(ops.ones_like(scores), scores)
    return -scores[:, 0]


def _discriminator_rows(loss, scores, n):
    """Per-row discriminator loss of scores of ``n`` real, then ``n`` generated images.

    Averaged over all ``2n`` rows: for ``"bce"`` the report's mean of the two
    halves; the hinge and Wasserstein losses, sums of two means, are twice it.
    """
    if loss == "bce":
        targets = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
        return ops.binary_crossentropy(targets, scores)
    real, fake = scores[:n, 0], scores[n:, 0]
    if loss == "hinge":
        return 2.0 * ops.concatenate([ops.relu(1.0 - real), ops.relu(1.0 + fake)], axis=0)
    return 2.0 * ops.concatenate([-real, fake], axis=0)


class GANTrainer(Trainer):
    """Trains a generator/discriminator pair; logs both losses and mean D outputs."""

    log_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator, discriminator, latent_dim, g_optimizer, d_optimizer,
                 n_classes=0, loss="bce", gp_weight=10.0, n_critic=1, ema_generator=None,
                 ema=None, **kwargs):
        # WGAN-GP draws one more number per row: the interpolation weight
        super().__init__(latent_dim + (1 if loss == "wgan-gp" else 0), n_classes, **kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.z_dim, self.loss, self.gp_weight = int(latent_dim), loss, float(gp_weight)
        self.n_critic, self.ema_generator, self.ema = int(n_critic), ema_generator, ema

    def train_batch(self, real, labels, noise):
        real = real * 2.0 - 1.0
        z, u = noise[:, : self.z_dim], noise[:, self.z_dim:]
        n = ops.shape(real)[0]
        if self.n_critic == 1:  # the report's order: generator first, same batch
            fake, g_mean = self._generator_step(z, labels)
            d_mean, scores = self._discriminator_step(real, fake, labels, u)
        else:
            fake = call(self.generator, z, labels, True)
            d_mean, scores = self._discriminator_step(real, fake, labels, u)
            g_mean = self._generator_step_if(self.d_optimizer.iterations % self.n_critic == 0,
                                             z, labels, scores[n:])
        return d_mean, g_mean, scores[:n], scores[n:]

    def _generator_step_if(self, do, z, labels, fake_scores):
        """The generator step where ``do`` holds; else log the loss it would train.

        On one device a ``tf.cond``. Under ``tf.distribute``, whose gradient
        all-reduce cannot sit inside control flow, the step always runs and
        is then undone where ``do`` does not hold (the generator, its
        optimizer state and averaged weights get their old values back).
        """
        untrained = batch_mean(_generator_rows(self.loss, fake_scores))[1]
        if not distributed():
            return tf.cond(do, lambda: self._generator_step(z, labels)[1], lambda: untrained)
        variables = list(self.generator.weights) + list(self.g_optimizer.variables)
        if self.ema_generator is not None:
            variables += list(self.ema_generator.weights)
        old = [tf.identity(v.value) for v in variables]
        with tf.control_dependencies(old):  # read before the update, in replica context
            g_mean = self._generator_step(z, labels)[1]
        for variable, value in zip(variables, old):
            variable.assign(tf.where(do, variable, value))
        return tf.where(do, g_mean, untrained)

    def _generator_step(self, z, labels):
        g_vars = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = call(self.generator, z, labels, True)
            scores = call(self.discriminator, fake, labels, True)
            g_loss, g_mean = batch_mean(_generator_rows(self.loss, scores))
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        if self.ema_generator is not None:
            for averaged, weight in zip(self.ema_generator.weights, self.generator.weights):
                averaged.assign(self.ema * averaged + (1.0 - self.ema) * weight)
        return fake, g_mean

    def _discriminator_step(self, real, fake, labels, u):
        # One discriminator call on the real and generated batches together:
        # the same loss as two calls (no batch norm in D), with matrix
        # multiplies twice as tall.
        d_vars = self.discriminator.trainable_variables
        n = ops.shape(real)[0]
        both = ops.concatenate([real, ops.stop_gradient(fake)], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        with tf.GradientTape() as tape:
            scores = call(self.discriminator, both, both_labels, True)
            rows = _discriminator_rows(self.loss, scores, n)
            d_loss, d_mean = batch_mean(rows)
            if self.loss == "wgan-gp":
                gp_loss, gp_mean = batch_mean(self.gradient_penalty(real, fake, labels, u))
                d_loss = d_loss + self.gp_weight * gp_loss
                d_mean = d_mean + self.gp_weight * gp_mean
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return d_mean, scores

    def gradient_penalty(self, real, fake, labels, u):
        """Per-row ``(||grad_x D(x_hat)|| - 1) ** 2`` at ``x_hat = a x + (1 - a) G(z)``.

        ``a`` is uniform in [0, 1] per row: the standard normal draw ``u`` of
        the row through the normal CDF.
        """
        a = 0.5 * (1.0 + tf.math.erf(u / 2.0**0.5))
        x_hat = a * real + (1.0 - a) * ops.stop_gradient(fake)
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = call(self.discriminator, x_hat, labels, True)
        grads = tape.gradient(scores, x_hat)
        norms = ops.sqrt(ops.sum(ops.square(grads), axis=-1) + 1e-12)
        return ops.square(norms - 1.0)
