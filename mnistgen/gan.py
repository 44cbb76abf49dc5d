"""The report's MLP generative adversarial network as a scikit-learn estimator."""
import numpy as np

from ._base import BaseGenerator, _check_float, _check_units

__all__ = ["GANGenerator"]


class GANGenerator(BaseGenerator):
    """Generative adversarial network for single-channel images (the report's GAN).

    The defaults are exactly the report's code: generator
    100-128-256-512-1024-784 with LeakyReLU(0.2), batch normalisation
    (epsilon 0.8, momentum 0.9) after the 256, 512 and 1024 layers and a
    tanh output; discriminator 784-512-256-1 with LeakyReLU(0.2) and a
    sigmoid output; binary cross-entropy with the non-saturating generator
    loss. Each step updates the generator first, then the discriminator on
    the same generated batch. Both use Adam (learning rate 2e-4,
    ``beta_1=0.5``, ``beta_2=0.999``) on batches of 64 images scaled to
    [-1, 1].

    ``epochs=60`` is the default: TIME_PLACEHOLDER

    A GAN has no encoder, so unlike :class:`VAEGenerator` this estimator has
    no ``transform`` or ``score``.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the generator's noise input.
    generator_units : tuple of int, default=(128, 256, 512, 1024)
        Generator hidden widths; all but the first get batch normalisation.
    discriminator_units : tuple of int, default=(512, 256)
        Discriminator hidden widths.
    epochs : int, default=100
        Epochs that :meth:`fit` trains.
    batch_size : int, default=64
        Images per step.
    learning_rate : float, default=2e-4
        Adam's learning rate, for both networks.
    beta_1 : float, default=0.5
        Adam's ``beta_1``, for both networks.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling, the training noise and, unless
        :meth:`sample` is given its own, the sampling noise.
    verbose : int, default=0
        Keras's progress output: 0 silent, 1 progress bar, 2 one line per
        epoch.
    callbacks : list of keras.callbacks.Callback, default=None
        Passed to Keras ``fit``. They see the logs ``d_loss``, ``g_loss``,
        ``d_real`` and ``d_fake``.
    warm_start : bool, default=False
        If True, :meth:`fit` on a fitted estimator continues from the current
        weights and optimizer state.
    on_divergence : {"raise", "restore"}, default="raise"
        What happens when an epoch ends with a NaN or infinite loss: training
        stops and the weights and optimizer state go back to the end of the
        last epoch with finite losses; then ``"raise"`` raises a
        ``FloatingPointError`` naming the epoch and the loss, ``"restore"``
        only warns (``RuntimeWarning``) and returns the estimator.

    Attributes
    ----------
    generator_ : keras.Model
        Maps noise ``(n, latent_dim)`` to flat images in [-1, 1].
    discriminator_ : keras.Model
        Maps flat images in [-1, 1] to the probability of being real.
    g_optimizer_, d_optimizer_ : keras.optimizers.Adam
        The two optimizers, kept so that training can resume exactly.
    history_ : dict of list of float
        Per-epoch means over batches: ``"d_loss"``, ``"g_loss"``,
        ``"d_real"`` (mean D(x)) and ``"d_fake"`` (mean D(G(z))).
    n_iter_ : int
        Epochs trained so far.
    n_features_in_ : int
        Pixels per image.
    image_shape_ : tuple of int
        ``(H, W)`` of the training images.

    See Also
    --------
    VAEGenerator : The report's VAE: blurrier samples, steadier training.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen import GANGenerator
    >>> X = np.random.default_rng(0).integers(0, 256, (128, 28, 28), dtype=np.uint8)
    >>> gan = GANGenerator(epochs=1, random_state=0).fit(X)
    >>> images = gan.sample(16)
    >>> images.shape, images.dtype
    ((16, 28, 28), dtype('float32'))
    >>> hasattr(gan, "transform")
    False
    """

    _network_attributes = ("generator_", "discriminator_")
    _optimizer_attributes = ("g_optimizer_", "d_optimizer_")
    _history_keys = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        latent_dim=100,
        generator_units=(128, 256, 512, 1024),
        discriminator_units=(512, 256),
        epochs=100,
        batch_size=64,
        learning_rate=2e-4,
        beta_1=0.5,
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        on_divergence="raise",
    ):
        self.latent_dim = latent_dim
        self.generator_units = generator_units
        self.discriminator_units = discriminator_units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.on_divergence = on_divergence

    # -- model-specific hooks --------------------------------------------
    def _check_params(self):
        super()._check_params()
        _check_units("generator_units", self.generator_units)
        _check_units("discriminator_units", self.discriminator_units)
        _check_float("beta_1", self.beta_1, 0.0, 1.0, low_open=False, high_open=True)

    def _build(self, n_features, seed):
        from ._backend import get_keras
        from .networks import build_gan_discriminator, build_gan_generator

        keras = get_keras()
        self.generator_ = build_gan_generator(
            n_features, self.latent_dim, _check_units("generator_units", self.generator_units), seed
        )
        self.discriminator_ = build_gan_discriminator(
            n_features, _check_units("discriminator_units", self.discriminator_units), seed
        )
        for name in self._optimizer_attributes:
            optimizer = keras.optimizers.Adam(
                self.learning_rate, beta_1=self.beta_1, beta_2=0.999, epsilon=1e-8
            )
            optimizer.build(self._optimizer_variables(name))
            setattr(self, name, optimizer)

    def _optimizer_variables(self, name):
        net = self.generator_ if name == "g_optimizer_" else self.discriminator_
        return net.trainable_variables

    def _make_trainer(self):
        from ._training import COMPILE_OPTIONS, GANTrainer

        trainer = GANTrainer(
            self.generator_,
            self.discriminator_,
            self.latent_dim,
            self.g_optimizer_,
            self.d_optimizer_,
        )
        trainer.compile(**COMPILE_OPTIONS)
        return trainer

    def _decode(self, z):
        images = np.asarray(self.generator_(z, training=False))
        return np.clip(images * 0.5 + 0.5, 0.0, 1.0)
