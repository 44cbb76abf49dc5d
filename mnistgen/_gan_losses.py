"""The GAN's adversarial losses, by name: one registry entry holds all that differs.

Each entry of :data:`GAN_LOSSES` says what a loss needs of the networks
and of the training step: the discriminator's output activation, the
per-row generator and discriminator objectives, an optional penalty on
the discriminator (with the noise it draws per row and its default
weight) and the default number of discriminator steps per generator
step. The estimator's parameter check, the training step and the command
line's ``--loss`` choices all read this dict, after the model of
scikit-learn's ``LOSS_FUNCTIONS`` and ``_STOCHASTIC_SOLVERS``; nothing
else compares loss names. Adding a loss is one entry here plus its tests
(``docs/contributing.rst``).

Scores arrive as the discriminator's ``(rows, 1)`` outputs. Discriminator
rows are ``n`` real then ``n`` generated images, and each objective is
averaged over all ``2n`` rows: the report's loss is the mean of its two
halves; the hinge and Wasserstein losses, sums of two means, are twice it.

Importing this module imports no TensorFlow: the objectives reach Keras
when they are first traced.
"""
import dataclasses
from typing import Callable, Optional

__all__ = ["GANLoss", "GAN_LOSSES", "LABEL_CONDITIONINGS", "losses_with_penalty",
           "gradient_penalty", "r1_penalty", "scores_and_input_gradient"]


def _ops():
    from ._backend import get_keras

    return get_keras().ops


@dataclasses.dataclass(frozen=True)
class GANLoss:
    """What one adversarial loss sets in the networks and the training step.

    Parameters
    ----------
    output_activation : str
        The discriminator's last activation (``"sigmoid"`` or ``"linear"``).
    generator_rows : callable
        ``f(scores) -> (rows,)`` per-row generator objective on the
        discriminator's scores of generated images.
    discriminator_rows : callable
        ``f(scores, n) -> (2n,)`` per-row discriminator objective on the
        scores of ``n`` real then ``n`` generated images.
    default_n_critic : int
        Discriminator steps per generator step when ``n_critic=None``.
    penalty : callable or None
        ``f(discriminator, real, fake, labels, noise) -> (rows,)``: a
        per-row penalty added to the discriminator's objective, or None.
    penalty_noise : int
        Standard normal draws per row the penalty takes from the pipeline.
    default_penalty_weight : float or None
        The penalty's weight when the estimator's is None.
    penalty_of_real_gradient : callable or None
        ``f(gradient) -> (rows,)``: the same penalty from the input gradient
        of the discriminator's scores at the real batch, where it is a
        function of that alone (R1), so that a step which scores the real
        batch anyway can take the gradient from that call; else None.
    """

    output_activation: str
    generator_rows: Callable
    discriminator_rows: Callable
    default_n_critic: int = 1
    penalty: Optional[Callable] = None
    penalty_noise: int = 0
    default_penalty_weight: Optional[float] = None
    penalty_of_real_gradient: Optional[Callable] = None


def _bce_generator(scores):
    ops = _ops()
    return ops.binary_crossentropy(ops.ones_like(scores), scores)


def _bce_discriminator(scores, n):
    ops = _ops()
    targets = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
    return ops.binary_crossentropy(targets, scores)


def _logit_generator(scores):
    """``softplus(-s)``: the non-saturating loss ``-log sigmoid(s)`` on the logit ``s``."""
    return _ops().softplus(-scores[:, 0])


def _logit_discriminator(scores, n):
    """``-log sigmoid(s)`` on real logits, ``-log(1 - sigmoid(s))`` on generated ones."""
    ops = _ops()
    return ops.concatenate([ops.softplus(-scores[:n, 0]), ops.softplus(scores[n:, 0])], axis=0)


def _critic_generator(scores):
    """``-D(G(z))``: the generator objective of the hinge and Wasserstein losses."""
    return -scores[:, 0]


def _hinge_discriminator(scores, n):
    ops = _ops()
    real, fake = scores[:n, 0], scores[n:, 0]
    return 2.0 * ops.concatenate([ops.relu(1.0 - real), ops.relu(1.0 + fake)], axis=0)


def _wasserstein_discriminator(scores, n):
    ops = _ops()
    return 2.0 * ops.concatenate([-scores[:n, 0], scores[n:, 0]], axis=0)


def gradient_penalty(discriminator, real, fake, labels, noise):
    """Per-row ``(||grad_x D(x_hat)|| - 1) ** 2`` at ``x_hat = a x + (1 - a) G(z)``.

    ``a`` is uniform in [0, 1] per row: the row's standard normal draw
    ``noise[:, 0]`` through the normal CDF (Gulrajani et al. 2017).
    """
    from ._backend import get_tensorflow

    tf, ops = get_tensorflow(), _ops()
    a = 0.5 * (1.0 + tf.math.erf(noise[:, :1] / 2.0**0.5))
    x_hat = a * real + (1.0 - a) * ops.stop_gradient(fake)
    grads = _input_gradient(discriminator, x_hat, labels)
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=-1) + 1e-12)
    return ops.square(norms - 1.0)


def _input_gradient(discriminator, x, labels):
    """Per-row gradient of the discriminator's summed scores with respect to ``x``."""
    return scores_and_input_gradient(discriminator, x, labels)[1]


def scores_and_input_gradient(discriminator, x, labels):
    """The discriminator's scores of ``x`` (in training mode) and the per-row
    gradient of their sum with respect to ``x``, from one call."""
    from ._backend import get_tensorflow
    from .networks import call

    tf = get_tensorflow()
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = call(discriminator, x, labels, True)
    return scores, tape.gradient(scores, x)


def r1_penalty(discriminator, real, fake, labels, noise):
    """Per-row ``||grad_x D(x)||**2 / 2`` at the real images (Mescheder et al. 2018).

    ``D`` is the discriminator's logit; ``fake`` and ``noise`` are unused.
    """
    return _r1_rows(_input_gradient(discriminator, real, labels))


def _r1_rows(gradient):
    """R1 from the input gradient ``grad_x D(x)`` at the real rows: ``||.||**2 / 2`` per row."""
    ops = _ops()
    return 0.5 * ops.sum(ops.square(gradient), axis=-1)


#: The adversarial losses by name. ``"bce"`` is the report's: binary
#: cross-entropy on a sigmoid discriminator, the non-saturating generator
#: loss. ``"hinge"``: Miyato et al. 2018. ``"wgan-gp"``: Gulrajani et al.
#: 2017, five critic steps per generator step and a gradient penalty of
#: weight 10 by default. ``"bce-logits"``: the report's loss computed on the
#: discriminator's logit (a linear output), so that no probability is
#: clipped and a confident discriminator still passes the generator a
#: gradient. ``"bce-r1"``: the same with the R1 penalty on real images
#: (Mescheder et al. 2018), weight 1 by default.
GAN_LOSSES = {
    "bce": GANLoss("sigmoid", _bce_generator, _bce_discriminator),
    "bce-logits": GANLoss("linear", _logit_generator, _logit_discriminator),
    "bce-r1": GANLoss("linear", _logit_generator, _logit_discriminator, penalty=r1_penalty,
                      default_penalty_weight=1.0, penalty_of_real_gradient=_r1_rows),
    "hinge": GANLoss("linear", _critic_generator, _hinge_discriminator),
    "wgan-gp": GANLoss("linear", _critic_generator, _wasserstein_discriminator,
                       default_n_critic=5, penalty=gradient_penalty, penalty_noise=1,
                       default_penalty_weight=10.0),
}


def losses_with_penalty():
    """The names of the losses that take a penalty weight."""
    return [name for name, loss in GAN_LOSSES.items() if loss.penalty is not None]


#: How a conditional (or self-conditioned) discriminator reads the labels,
#: by name: whether it projects them on its last features (Miyato & Koyama
#: 2018) rather than taking them as extra inputs (one-hot channels of the
#: image, or columns of the flat image for the MLP), as it always did.
LABEL_CONDITIONINGS = {"input": False, "projection": True}
