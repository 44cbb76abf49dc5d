"""The VAE's priors p(z), by name: one registry entry each.

``prior`` (a parameter of :class:`mnistgen.VAEGenerator`) names an entry of
:data:`LATENT_PRIORS`. ``"normal"``, the default and the report's, is the
fixed N(0, I): the KL term of the loss is then the analytic
KL(q(z|x) || N(0, I)). ``"mixture"`` is a mixture of ``prior_components``
diagonal Gaussians whose means, variances and weights train with the
networks (a learned prior, as in Tomczak and Welling 2018): the KL term is
then the one-draw estimate ``log q(z|x) - log p(z)`` at the code that is
decoded, and :meth:`~mnistgen.VAEGenerator.sample` draws from the trained
mixture. A learned prior is a network ``prior_`` (:mod:`mnistgen._mixture_prior`)
mapping codes to ``log p(z)``, saved and trained like the encoder and decoder.

Importing this module imports no TensorFlow.
"""
import dataclasses
from typing import Callable, Optional

__all__ = ["LatentPrior", "LATENT_PRIORS", "REPORT_PRIOR"]


@dataclasses.dataclass(frozen=True)
class LatentPrior:
    """A VAE prior.

    Parameters
    ----------
    build : callable or None
        ``f(latent_dim, n_components, seed) -> keras.Model`` mapping codes
        ``(n, latent_dim)`` to ``log p(z)`` of shape ``(n,)``, with
        trainable weights; None for the fixed N(0, I).
    draw : callable or None
        ``f(network, n, rng) -> (n, latent_dim)`` float32 codes drawn from
        the prior that ``build`` made, with a NumPy ``RandomState`` or
        ``Generator``; None for N(0, I).
    arrays : callable or None
        ``f(latent_dim, n_components)`` -> the ``(shape, trainable)`` of
        each weight array of that network, without building it (what a
        model file may hold: :mod:`mnistgen._sizes`); None for N(0, I).
    """

    build: Optional[Callable]
    draw: Optional[Callable] = None
    arrays: Optional[Callable] = None

    @property
    def learned(self):
        """Whether the prior is a trained network (else N(0, I))."""
        return self.build is not None


def _mixture(latent_dim, n_components, seed):
    from ._mixture_prior import build_mixture_prior

    return build_mixture_prior(latent_dim, n_components, seed)


def _draw_mixture(network, n, rng):
    from ._mixture_prior import draw_mixture

    return draw_mixture(network, n, rng)


def _mixture_arrays(latent_dim, n_components):
    """The mixture's means and log-variances ``(K, latent_dim)`` and logits ``(K,)``."""
    yield (n_components, latent_dim), True
    yield (n_components, latent_dim), True
    yield (n_components,), True


#: The VAE's priors by name. ``"normal"`` is the report's.
LATENT_PRIORS = {
    "normal": LatentPrior(None),
    "mixture": LatentPrior(_mixture, _draw_mixture, _mixture_arrays),
}

#: The prior of the report's VAE.
REPORT_PRIOR = "normal"
