"""A learned prior: a mixture of diagonal Gaussians over the VAE's latent codes.

:class:`MixturePrior` holds the mixture's means, log-variances and
component logits as trainable weights and maps codes to their log-density;
:func:`build_mixture_prior` wraps it in the functional model that
:class:`mnistgen.VAEGenerator` keeps as ``prior_`` (trained with the encoder
and decoder, saved with them). Its weights run in float32 whatever the
estimator's ``dtype_policy``.
"""
import numpy as np

from ._backend import get_keras
from ._vae_trainer import log_normal

keras = get_keras()
ops = keras.ops

__all__ = ["MixturePrior", "build_mixture_prior", "draw_mixture"]

#: The name of the :class:`MixturePrior` layer in the network of :func:`build_mixture_prior`.
LAYER = "mixture"


@keras.saving.register_keras_serializable(package="mnistgen")
class MixturePrior(keras.layers.Layer):
    """Log-density of codes under a trainable mixture of diagonal Gaussians.

    ``log p(z) = logsumexp_k(log softmax(logits)_k + log N(z; means_k,
    exp(log_vars_k)))``, one value per row of ``z``. The means start as
    standard-normal draws (seeded), the variances at 1 and the weights equal.

    Parameters
    ----------
    n_components : int
        Gaussians in the mixture.
    seed : int or None, default=None
        Seed of the means' initial draw.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen._mixture_prior import MixturePrior
    >>> prior = MixturePrior(3, seed=0)
    >>> tuple(prior(np.zeros((5, 2), dtype="float32")).shape)
    (5,)
    >>> prior.draw(4, np.random.default_rng(0)).shape
    (4, 2)
    """

    def __init__(self, n_components, seed=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.n_components = int(n_components)
        self.seed = seed

    def build(self, input_shape):
        shape = (self.n_components, int(input_shape[-1]))
        self.means = self.add_weight(
            shape=shape, name="means",
            initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed))
        self.log_vars = self.add_weight(shape=shape, name="log_vars", initializer="zeros")
        self.logits = self.add_weight(shape=(self.n_components,), name="logits",
                                      initializer="zeros")

    def call(self, z):
        per_component = log_normal(z[:, None, :], self.means[None], self.log_vars[None])
        return ops.logsumexp(per_component + ops.log_softmax(self.logits)[None], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    def draw(self, n, rng):
        """``n`` codes drawn from the mixture with ``rng`` (a NumPy ``RandomState`` or
        ``Generator``), as float32."""
        means, log_vars, logits = (np.asarray(w.numpy(), dtype=np.float64)
                                   for w in (self.means, self.log_vars, self.logits))
        weights = np.exp(logits - logits.max())
        component = rng.choice(self.n_components, size=n, p=weights / weights.sum())
        noise = rng.standard_normal((n, means.shape[1]))
        return (means[component] + np.exp(0.5 * log_vars[component]) * noise).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "n_components": self.n_components, "seed": self.seed}


def build_mixture_prior(latent_dim, n_components, seed=None):
    """The prior network ``z -> log p(z)`` of a mixture of ``n_components`` Gaussians.

    Parameters
    ----------
    latent_dim : int
        Size of the codes.
    n_components : int
        Gaussians in the mixture.
    seed : int or None, default=None
        Seed of the initial means.

    Returns
    -------
    prior : keras.Model
        Maps codes ``(n, latent_dim)`` to ``log p(z)`` of shape ``(n,)``;
        its layer ``"mixture"`` is the :class:`MixturePrior`.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen._mixture_prior import build_mixture_prior
    >>> prior = build_mixture_prior(latent_dim=4, n_components=10, seed=0)
    >>> tuple(prior(np.zeros((3, 4), dtype="float32")).shape)
    (3,)
    """
    z = keras.Input((int(latent_dim),), name="z", dtype="float32")
    log_p = MixturePrior(n_components, seed=seed, name=LAYER)(z)
    return keras.Model(z, log_p, name="mixture_prior")


def draw_mixture(network, n, rng):
    """``n`` codes drawn from the prior network of :func:`build_mixture_prior` with ``rng``."""
    return network.get_layer(LAYER).draw(n, rng)
