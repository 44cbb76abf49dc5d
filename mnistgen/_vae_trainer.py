"""The VAE's training step: the negative ELBO of the report, one update a batch.

Loss per batch: the mean over images of minus the decoder's log-likelihood
(:mod:`mnistgen._likelihoods`; the report's is binary cross-entropy summed
over pixels) plus ``beta`` times KL(q(z|x) || N(0, I)); ``beta=1`` is the
report's loss. A learned prior (:mod:`mnistgen._priors`) replaces the
analytic KL by its one-draw estimate and trains with the networks. With a KL warm-up the KL weight rises to ``beta`` over the
first epochs (:func:`mnistgen._schedules.kl_weight`). Another
``objective`` (:mod:`mnistgen._objectives`) trains on the
importance-weighted bound instead. The reparameterisation noise ``eps``
(one draw per image, or the objective's draws) comes with each row from
the input pipeline. A conditional VAE hands the one-hot labels to both
networks.
"""
import numpy as np

from ._backend import get_keras, get_tensorflow
from ._distribute import batch_mean
from ._inference import cached_function
from ._likelihoods import DECODER_LIKELIHOODS, REPORT_LIKELIHOOD
from ._schedules import kl_weight
from ._trainer import Trainer
from .networks import call

keras = get_keras()
tf = get_tensorflow()
ops = keras.ops

__all__ = ["VAETrainer", "gaussian_kl", "importance_weighted_bound", "kl_term", "log_mean_exp",
           "log_normal", "log_prior", "log_weights", "vae_terms"]

_REPORT = DECODER_LIKELIHOODS[REPORT_LIKELIHOOD]


def vae_terms(x, encoder, decoder, eps, training=False, labels=None, likelihood=_REPORT,
              prior=None):
    """Per-image VAE loss terms for noise ``eps``.

    Returns ``(reconstruction, kl)``: minus the ``likelihood``'s log p(x|z)
    (the report's: binary cross-entropy summed over pixels), and the KL
    term of :func:`kl_term` for the ``prior`` network (None: the analytic
    KL(q(z|x) || N(0, I))), each of shape ``(batch,)``, in nats.
    """
    z_mean, z_log_var = call(encoder, x, labels, training)
    z = z_mean + ops.exp(0.5 * z_log_var) * eps
    recon = call(decoder, z, labels, training)
    reconstruction = -likelihood.log_prob(x, recon)
    return reconstruction, kl_term(z, z_mean, z_log_var, prior)


def kl_term(z, mean, log_var, prior=None):
    """The ELBO's KL term of each row for its code ``z`` drawn from q(z|x).

    With ``prior=None`` (N(0, I)) the analytic KL(q(z|x) || N(0, I)), which
    does not depend on ``z``; with a learned ``prior`` network
    (:mod:`mnistgen._priors`) its one-draw estimate ``log q(z|x) - log p(z)``.
    """
    if prior is None:
        return gaussian_kl(mean, log_var)
    return log_normal(z, mean, log_var) - log_prior(z, prior)


def log_prior(z, prior=None):
    """``log p(z)`` of codes ``z`` (any leading axes) under N(0, I) or the ``prior`` network."""
    if prior is None:
        return log_normal(z, 0.0, ops.zeros_like(z))
    flat = ops.reshape(z, (-1, ops.shape(z)[-1]))
    return ops.reshape(prior(flat), ops.shape(z)[:-1])


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of each row, in nats."""
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def log_weights(x, mean, log_var, eps, decoder, labels=None, likelihood=_REPORT, training=False,
                prior=None):
    """The two parts of the importance weights' logarithms, each ``(k, n)``.

    For codes ``z_i = mean + exp(log_var / 2) * eps_i`` (``eps`` of shape
    ``(k, n, latent)``, or ``(k, 1, latent)`` to share the draws between
    the ``n`` images) returns ``log p(x | z_i)`` under the decoder's
    ``likelihood`` and ``log p(z_i) - log q(z_i | x)`` for the ``prior``
    network (None: N(0, I)). The k codes of all images are decoded in one
    call.
    """
    z = mean[None] + ops.exp(0.5 * log_var)[None] * eps  # (k, n, latent)
    k, n = ops.shape(z)[0], ops.shape(z)[1]
    rep = None if labels is None else ops.tile(labels, (k, 1))
    recon = ops.reshape(call(decoder, ops.reshape(z, (k * n, -1)), rep, training), (k, n, -1))
    log_px = likelihood.log_prob(ops.tile(x[None], (k, 1, 1)), recon)
    return log_px, log_prior(z, prior) - log_normal(z, mean[None], log_var[None])


def log_mean_exp(a):
    """``log mean(exp(a))`` over the first axis, computed stably."""
    return ops.logsumexp(a, axis=0) - ops.log(ops.cast(ops.shape(a)[0], a.dtype))


class VAETrainer(Trainer):
    """Trains an encoder/decoder pair on an ``objective`` of
    :mod:`mnistgen._objectives` (the report's: the negative ELBO)."""

    log_names = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(self, encoder, decoder, latent_dim, objective, beta=1.0, n_classes=0,
                 likelihood=_REPORT, kl_warmup=0, importance_samples=1, prior=None, **kwargs):
        super().__init__(latent_dim * objective.draws(importance_samples), n_classes, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.prior = prior  # a learned prior network (its weights train too), or None: N(0, I)
        self.beta = float(beta)
        self.likelihood = likelihood
        self.objective = objective
        self.kl_warmup = int(kl_warmup)
        # the KL weight of the current epoch, set by ``begin_epoch`` (warm-up only)
        self.kl_weight = tf.Variable(self.beta, trainable=False) if self.kl_warmup else None

    def begin_epoch(self, epoch):
        if self.kl_warmup:
            self.kl_weight.assign(kl_weight(epoch, self.beta, self.kl_warmup))

    def _kl_term(self, kl):
        """``beta`` (or the warm-up's weight) times ``kl``; ``beta == 1`` adds it as is."""
        if self.kl_weight is not None:
            return self.kl_weight * kl
        # beta == 1: the report's computation, unchanged
        return kl if self.beta == 1.0 else self.beta * kl

    def train_batch(self, x, labels, eps):
        with tf.GradientTape() as tape:
            total, reconstruction, kl = self.objective.per_image(
                x, labels, eps, self.encoder, self.decoder, self.likelihood, self._kl_term,
                self.prior)
            loss, _ = batch_mean(total)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return total, reconstruction, kl


def log_normal(z, mean, log_var):
    """Log density of N(mean, exp(log_var)) at ``z``, summed over the last axis."""
    return -0.5 * ops.sum(ops.log(2.0 * 3.141592653589793) + log_var
                          + ops.square(z - mean) / ops.exp(log_var), axis=-1)


def importance_weighted_bound(encoder, decoder, x, eps, labels=None, likelihood=_REPORT,
                              prior=None):
    """Per-image importance-weighted bound on log p(x) (Burda et al. 2016), in nats.

    ``log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x)`` with ``z_i = mean +
    exp(log_var / 2) * eps_i`` for the ``k`` rows of ``eps``, the decoder
    ``likelihood`` (the report's Bernoulli) and the ``prior`` network (None:
    N(0, I)). Runs as
    one compiled function per encoder (traced once for any number of images).
    """
    def make():
        def bound(x, eps, labels=None):
            mean, log_var = call(encoder, x, labels, False)
            log_px, log_ratio = log_weights(x, mean, log_var, eps[:, None, :], decoder, labels,
                                            likelihood, prior=prior)
            return log_mean_exp(log_px + log_ratio)

        specs = [tf.TensorSpec((None,) + tuple(t.shape[1:]), t.dtype) for t in encoder.inputs]
        eps_spec = tf.TensorSpec((None, eps.shape[1]), tf.float32)
        signature = [specs[0], eps_spec] + specs[1:]
        return tf.function(bound, autograph=False).get_concrete_function(*signature)

    fn = cached_function(encoder, "_mnistgen_iwae", make)
    args = [x, eps] if labels is None else [x, eps, labels]
    return np.asarray(fn(*(tf.convert_to_tensor(a, tf.float32) for a in args)), dtype=np.float64)
