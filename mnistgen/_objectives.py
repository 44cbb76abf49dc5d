"""The VAE's training objectives, by name: one registry entry each.

``objective`` (a parameter of :class:`mnistgen.VAEGenerator`) names an entry
of :data:`VAE_OBJECTIVES`: the per-image loss that training minimises, with
its reconstruction and KL terms for the log, and the number of
reparameterisation draws of the latent code it takes per image.
``"elbo"``, the default and the report's, is the negative ELBO on one draw
(:func:`mnistgen._vae_trainer.vae_terms`); ``"iwae"`` is minus the
importance-weighted bound of Burda et al. (2016) on ``importance_samples``
draws (:func:`mnistgen._vae_trainer.log_weights`, the same formula that
``score_samples(n_importance=k)`` evaluates). Each draw decodes the image's
code once more, so an ``"iwae"`` step costs about ``k`` decoder passes.

Importing this module imports no TensorFlow.
"""
import dataclasses
from typing import Callable

__all__ = ["VAEObjective", "VAE_OBJECTIVES"]


@dataclasses.dataclass(frozen=True)
class VAEObjective:
    """A VAE training objective.

    Parameters
    ----------
    per_image : callable
        ``f(x, labels, eps, encoder, decoder, likelihood, weigh, prior)`` ->
        ``(loss, reconstruction, kl)``, each of shape ``(batch,)`` in nats,
        for images ``x``, one-hot ``labels`` (or None) and standard-normal
        ``eps`` of shape ``(batch, draws * latent_dim)``; ``weigh(kl)``
        weights a KL term (``beta``, or the warm-up's weight); ``prior``
        is the learned prior network, or None for N(0, I).
    importance_weighted : bool
        Whether the objective takes ``importance_samples`` draws per image
        (else one).
    """

    per_image: Callable
    importance_weighted: bool

    def draws(self, importance_samples):
        """Reparameterisation draws per image."""
        return int(importance_samples) if self.importance_weighted else 1


def _elbo(x, labels, eps, encoder, decoder, likelihood, weigh, prior=None):
    """The report's: reconstruction plus the weighted KL (analytic for N(0, I)), one draw."""
    from ._vae_trainer import vae_terms

    reconstruction, kl = vae_terms(x, encoder, decoder, eps, training=True, labels=labels,
                                   likelihood=likelihood, prior=prior)
    return reconstruction + weigh(kl), reconstruction, kl


def _iwae(x, labels, eps, encoder, decoder, likelihood, weigh, prior=None):
    """Minus ``log (1/k) sum_i p(x | z_i) w(p(z_i) / q(z_i | x))`` over the k draws
    (``w``: the KL weight on the log-ratio); logs the mean reconstruction over
    the draws and the KL (analytic for N(0, I), else the draws' mean
    log-ratio)."""
    from ._backend import get_keras
    from ._vae_trainer import gaussian_kl, log_mean_exp, log_weights
    from .networks import call

    ops = get_keras().ops
    mean, log_var = call(encoder, x, labels, True)
    latent = mean.shape[-1]
    eps = ops.transpose(ops.reshape(eps, (ops.shape(x)[0], -1, latent)), (1, 0, 2))  # (k, n, latent)
    log_px, log_ratio = log_weights(x, mean, log_var, eps, decoder, labels, likelihood, True,
                                    prior)
    loss = -log_mean_exp(log_px + weigh(log_ratio))
    kl = gaussian_kl(mean, log_var) if prior is None else -ops.mean(log_ratio, axis=0)
    return loss, -ops.mean(log_px, axis=0), kl


#: The VAE's training objectives by name. ``"elbo"`` is the report's.
VAE_OBJECTIVES = {
    "elbo": VAEObjective(_elbo, importance_weighted=False),
    "iwae": VAEObjective(_iwae, importance_weighted=True),
}
