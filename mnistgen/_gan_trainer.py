"""The GAN's training step, for any adversarial loss of :mod:`mnistgen._gan_losses`.

The report's step (``loss="bce"``, one critic step): one generator update
with the non-saturating loss ``BCE(D(G(z)), 1)``, then one discriminator
update with ``(BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2`` on the same generated
batch. Other losses change the two objectives and may add a penalty to the
discriminator's (their registry entry, :class:`~mnistgen._gan_losses.GANLoss`).
With ``n_critic > 1`` every mini-batch trains the discriminator and every
``n_critic``-th also the generator. With an averaged generator (``ema``),
its weights follow each generator update.

With one critic step both updates are taken at the same discriminator
weights on the same generated batch, so for the convolutional models one
discriminator call on that batch serves both
(:data:`mnistgen._architectures.ARCHITECTURES`): each update's
gradients come from its own tape, the generator's applied first, and the
discriminator scores the real batch in a call of its own. A discriminator
whose call changes its own state (spectral normalisation's power
iteration) keeps the two calls of the report's step.

Real images arrive in [0, 1] and are scaled to [-1, 1] here. The generator's
noise ``z`` (and the draws a penalty takes, such as WGAN-GP's interpolation
weight) comes with each row from the input pipeline. A conditional GAN gives
the generated batch the real batch's labels, and both networks see them.
"""
from ._backend import get_keras, get_tensorflow
from ._distribute import batch_mean, distributed
from ._gan_losses import scores_and_input_gradient
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
                 loss, n_classes=0, penalty_weight=None, n_critic=1, ema_generator=None,
                 ema=None, penalty_interval=1, share_discriminator_call=False, **kwargs):
        """``loss`` is a :class:`~mnistgen._gan_losses.GANLoss`; ``penalty_weight``
        its penalty's weight (None: the loss's default), applied on every
        ``penalty_interval``-th discriminator step only."""
        super().__init__(latent_dim + loss.penalty_noise, n_classes, **kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self.z_dim, self.adversarial = int(latent_dim), loss
        weight = loss.default_penalty_weight if penalty_weight is None else penalty_weight
        self.penalty_weight = None if loss.penalty is None else float(weight)
        self.n_critic, self.ema_generator, self.ema = int(n_critic), ema_generator, ema
        self.penalty_interval = int(penalty_interval)
        self.share_discriminator_call = bool(share_discriminator_call) and self.n_critic == 1

    def train_batch(self, real, labels, noise):
        real = real * 2.0 - 1.0
        z, u = noise[:, : self.z_dim], noise[:, self.z_dim:]
        n = ops.shape(real)[0]
        if self.share_discriminator_call:
            d_mean, g_mean, scores = self._joint_step(real, z, labels, u)
        elif self.n_critic == 1:  # the report's order: generator first, same batch
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
        untrained = batch_mean(self.adversarial.generator_rows(fake_scores))[1]
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
            g_loss, g_mean = batch_mean(self.adversarial.generator_rows(scores))
        self._apply_generator_gradients(tape.gradient(g_loss, g_vars))
        return fake, g_mean

    def _apply_generator_gradients(self, grads):
        """The generator's update, then its average's."""
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        if self.ema_generator is not None:
            # the usual warm-up: at update t the momentum is at most (1 + t) / (10 + t),
            # so the first epochs' average is not mostly the initial weights
            t = ops.cast(self.g_optimizer.iterations, "float32")
            decay = ops.minimum(self.ema, (1.0 + t) / (10.0 + t))
            for averaged, weight in zip(self.ema_generator.weights, self.generator.weights):
                averaged.assign(decay * averaged + (1.0 - decay) * weight)

    def _joint_step(self, real, z, labels, u):
        """Both updates from one discriminator call on the generated batch.

        The same losses as the two steps above (the generator's first, then
        the discriminator's on the same batch, at the same discriminator
        weights), each update's gradients from its own tape: one
        discriminator forward pass on the generated batch less per step, and
        one on the real batch less where the penalty on every step is R1's.
        """
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = call(self.generator, z, labels, True)
            fake_scores = call(self.discriminator, fake, labels, True)
            g_loss, g_mean = batch_mean(self.adversarial.generator_rows(fake_scores))
            real_scores, real_gradient = self._score_real(real, labels)
            scores = ops.concatenate([real_scores, fake_scores], 0)
            d_loss, d_mean = self._discriminator_loss(scores, real, ops.stop_gradient(fake),
                                                      labels, u, real_gradient)
        d_vars = self.discriminator.trainable_variables
        d_grads = d_tape.gradient(d_loss, d_vars)
        self._apply_generator_gradients(g_tape.gradient(g_loss, self.generator.trainable_variables))
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        return d_mean, g_mean, scores

    @property
    def penalty_from_real_call(self):
        """Whether the penalty's input gradient comes from the step's own call on
        the real batch: the shared step, a penalty of that gradient (R1), on
        every step."""
        return (self.share_discriminator_call and self.penalty_interval == 1
                and self.adversarial.penalty_of_real_gradient is not None)

    def _score_real(self, real, labels):
        """The discriminator's scores of the real batch and, where
        :attr:`penalty_from_real_call`, their input gradient (else None)."""
        if not self.penalty_from_real_call:
            return call(self.discriminator, real, labels, True), None
        return scores_and_input_gradient(self.discriminator, real, labels)

    def _discriminator_step(self, real, fake, labels, u):
        # One discriminator call on the real and generated batches together:
        # the same loss as two calls (no batch norm in D), with matrix
        # multiplies twice as tall.
        d_vars = self.discriminator.trainable_variables
        both = ops.concatenate([real, ops.stop_gradient(fake)], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        with tf.GradientTape() as tape:
            scores = call(self.discriminator, both, both_labels, True)
            d_loss, d_mean = self._discriminator_loss(scores, real, fake, labels, u)
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return d_mean, scores

    def _discriminator_loss(self, scores, real, fake, labels, u, real_gradient=None):
        """The discriminator's objective (to differentiate, and to log) from the
        scores of ``[real; fake]``, with its penalty where the loss has one
        (from ``real_gradient``, the input gradient at the real batch, where
        given)."""
        loss = self.adversarial
        d_loss, d_mean = batch_mean(loss.discriminator_rows(scores, ops.shape(real)[0]))
        if loss.penalty is not None:
            rows = (self._penalty_rows(real, fake, labels, u) if real_gradient is None
                    else loss.penalty_of_real_gradient(real_gradient))
            penalty, penalty_mean = batch_mean(rows)
            weight = self.penalty_weight * self.penalty_interval
            d_loss = d_loss + weight * penalty
            d_mean = d_mean + weight * penalty_mean
        return d_loss, d_mean

    def _penalty_rows(self, real, fake, labels, u):
        """The penalty's per-row values; lazily, zeros between penalised steps.

        With ``penalty_interval = k > 1`` the penalty is computed on every
        k-th discriminator step only and weighted k times there (lazy
        regularisation, Karras et al. 2020): the same average weight at about
        1/k of its cost. The rows are reduced outside the ``tf.cond``, so no
        all-reduce sits inside control flow.
        """
        def rows():
            return self.adversarial.penalty(self.discriminator, real, fake, labels, u)

        if self.penalty_interval == 1:
            return rows()
        due = self.d_optimizer.iterations % self.penalty_interval == 0
        return tf.cond(due, rows, lambda: ops.zeros((ops.shape(real)[0],), real.dtype))
