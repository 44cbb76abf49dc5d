"""Learning-rate schedules over a fit's epochs, by name: one registry entry each.

``learning_rate_schedule`` (a parameter of both estimators) names an entry of
:data:`LEARNING_RATE_SCHEDULES`: a function ``f(epoch, epochs)`` giving the
factor by which every optimizer's learning rate (``learning_rate``, or the
GAN's per-network rates) is multiplied during epoch ``epoch`` (counted from
0 over the estimator's whole training, ``n_iter_``) of ``epochs``
(the ``epochs`` parameter), set at the start of each epoch by
:class:`mnistgen._fit_loop.EpochSchedules`. ``"constant"``, the default
and the report's, keeps the rates as given.

The VAE's ``kl_warmup`` is a schedule of the same kind for the weight of
its KL term (:func:`kl_weight`), set by the same callback.

Importing this module imports no TensorFlow.
"""
import math

__all__ = ["LEARNING_RATE_SCHEDULES", "epoch_rates", "kl_weight"]


def _constant(epoch, epochs):
    """The report's: the rate as given, every epoch."""
    return 1.0


def _cosine(epoch, epochs):
    """Half a cosine from 1 at the first epoch towards 0 after the last
    (Loshchilov & Hutter 2017, without restarts); epochs beyond ``epochs``
    (``partial_fit``, warm starts) keep the last epoch's factor."""
    return 0.5 * (1.0 + math.cos(math.pi * min(epoch, epochs - 1) / epochs))


#: The learning-rate factor of epoch ``epoch`` of ``epochs``, by schedule name.
LEARNING_RATE_SCHEDULES = {
    "constant": _constant,
    "cosine": _cosine,
}


def epoch_rates(est, epoch):
    """Each optimizer's learning rate in epoch ``epoch`` of estimator ``est``."""
    factor = LEARNING_RATE_SCHEDULES[est.learning_rate_schedule](epoch, est.epochs)
    return {name: rate * factor for name, rate in est._learning_rates().items()}


def kl_weight(epoch, beta, warmup):
    """The VAE's KL weight in epoch ``epoch``: ``beta`` times ``(epoch + 1) /
    (warmup + 1)`` in the first ``warmup`` epochs (a linear warm-up, Bowman
    et al. 2016, Sønderby et al. 2016), ``beta`` from then on."""
    return beta * min(1.0, (epoch + 1) / (warmup + 1))
