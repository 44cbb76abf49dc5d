"""The VAE decoder's likelihoods p(x | z), by name: one registry entry each.

An entry of :data:`DECODER_LIKELIHOODS` gives the decoder's output
activation (what its last layer outputs: the distribution's parameters)
and the per-image log-likelihood of the images under that output. The
training loss (the negative ELBO), the held-out loss, ``score_samples``
and the importance-weighted bound all compute ``log p(x | z)`` through
the ``log_prob`` of the same entry, and the decoders are built with
its activation: adding a likelihood is one entry here plus its tests
(``docs/contributing.rst``), then a parameter that chooses it.

Importing this module imports no TensorFlow.
"""
import dataclasses
from typing import Callable

__all__ = ["DecoderLikelihood", "DECODER_LIKELIHOODS", "REPORT_LIKELIHOOD"]


@dataclasses.dataclass(frozen=True)
class DecoderLikelihood:
    """A decoder likelihood: the decoder's output activation and ``log p(x | z)``.

    Parameters
    ----------
    output_activation : str
        Activation of the decoder's last layer.
    log_prob : callable
        ``f(x, decoded) -> (..., )``: log-likelihood in nats of the images
        ``x`` (rows of pixels in [0, 1]) under the decoder's outputs
        ``decoded``, summed over the last (pixel) axis.
    """

    output_activation: str
    log_prob: Callable


def _bernoulli_log_prob(x, decoded):
    """Minus the binary cross-entropy summed over pixels: the report's loss."""
    from ._backend import get_keras

    ops = get_keras().ops
    return -ops.sum(ops.binary_crossentropy(x, decoded), axis=-1)


#: The decoder likelihoods by name. ``"bernoulli"`` is the report's: a
#: sigmoid decoder and binary cross-entropy on grey levels in [0, 1].
DECODER_LIKELIHOODS = {
    "bernoulli": DecoderLikelihood("sigmoid", _bernoulli_log_prob),
}

#: The likelihood of the report's VAE, the one every VAEGenerator uses today.
REPORT_LIKELIHOOD = "bernoulli"
