"""The report's MLP variational autoencoder as a scikit-learn estimator."""
import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._base import BaseGenerator, _check_units
from ._validation import check_latent

__all__ = ["VAEGenerator"]

# Standard-normal draws shared by every image in ``score_samples``: a fixed
# Monte Carlo sample makes the ELBO estimate deterministic and independent of
# how the images are batched.
_SCORE_DRAWS = 16


class VAEGenerator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseGenerator):
    """Variational autoencoder for single-channel images (the report's VAE).

    The defaults are exactly the report's model: encoder 784-512-256 with
    ReLU and two linear heads (mean and log-variance) of ``latent_dim=2``;
    a reparameterised sample ``z = mean + exp(log_var / 2) * eps``; decoder
    2-256-512-784 ending in a sigmoid. The loss is binary cross-entropy
    summed over pixels plus the KL divergence to N(0, I), averaged over the
    batch, minimised with Adam (learning rate 1e-3, PyTorch's default betas
    and epsilon) in batches of 100 for 50 epochs. Fifty epochs on the 60,000
    MNIST training images take a few minutes on a 2-core CPU.

    As a transformer it maps images to their latent means, so its codes can
    feed any scikit-learn model; :meth:`score` is the mean evidence lower
    bound, so grid searches select by held-out ELBO.

    Parameters
    ----------
    latent_dim : int, default=2
        Size of the latent space.
    hidden_units : tuple of int, default=(512, 256)
        Encoder hidden widths; the decoder mirrors them.
    epochs : int, default=50
        Epochs that :meth:`fit` trains.
    batch_size : int, default=100
        Images per gradient step.
    learning_rate : float, default=1e-3
        Adam's learning rate.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling, the training noise and, unless
        :meth:`sample` is given its own, the sampling noise. An int makes
        training and sampling reproducible on the same machine.
    verbose : int, default=0
        Keras's progress output: 0 silent, 1 progress bar, 2 one line per
        epoch.
    callbacks : list of keras.callbacks.Callback, default=None
        Passed to Keras ``fit``. They see the logs ``loss``,
        ``reconstruction_loss`` and ``kl_loss`` (for example
        ``keras.callbacks.EarlyStopping(monitor="loss")``).
    warm_start : bool, default=False
        If True, :meth:`fit` on a fitted estimator continues from the current
        weights (and optimizer state) instead of starting again.
    on_divergence : {"raise", "restore"}, default="raise"
        What happens when an epoch ends with a NaN or infinite loss: training
        stops and the weights and optimizer state go back to the end of the
        last epoch with finite losses; then ``"raise"`` raises a
        ``FloatingPointError`` naming the epoch and the loss, ``"restore"``
        only warns (``RuntimeWarning``) and returns the estimator.

    Attributes
    ----------
    encoder_ : keras.Model
        Maps flat images ``(n, n_features_in_)`` to ``[z_mean, z_log_var]``.
    decoder_ : keras.Model
        Maps latent codes ``(n, latent_dim)`` to flat pixel means in [0, 1].
    optimizer_ : keras.optimizers.Adam
        The optimizer, kept so that training can resume exactly.
    history_ : dict of list of float
        Per-epoch means over the training images: ``"loss"`` (negative
        ELBO), ``"reconstruction_loss"`` and ``"kl_loss"``, in nats. Grows
        with ``partial_fit`` and warm-started fits.
    n_iter_ : int
        Epochs trained so far.
    n_features_in_ : int
        Pixels per image.
    image_shape_ : tuple of int
        ``(H, W)`` of the training images.

    See Also
    --------
    GANGenerator : The report's GAN: sharper samples, less stable training.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistgen import VAEGenerator
    >>> X = np.random.default_rng(0).integers(0, 256, (200, 28, 28), dtype=np.uint8)
    >>> vae = VAEGenerator(epochs=2, random_state=0).fit(X)
    >>> vae.sample(16).shape
    (16, 28, 28)
    >>> vae.transform(X[:5]).shape
    (5, 2)
    >>> sorted(vae.history_)
    ['kl_loss', 'loss', 'reconstruction_loss']
    """

    _network_attributes = ("encoder_", "decoder_")
    _optimizer_attributes = ("optimizer_",)
    _history_keys = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(
        self,
        latent_dim=2,
        hidden_units=(512, 256),
        epochs=50,
        batch_size=100,
        learning_rate=1e-3,
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        on_divergence="raise",
    ):
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.on_divergence = on_divergence

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # -- model-specific hooks --------------------------------------------
    def _check_params(self):
        super()._check_params()
        _check_units("hidden_units", self.hidden_units)

    def _build(self, n_features, seed):
        from ._backend import get_keras
        from .networks import build_vae_decoder, build_vae_encoder

        keras = get_keras()
        units = _check_units("hidden_units", self.hidden_units)
        self.encoder_ = build_vae_encoder(n_features, units, self.latent_dim, seed)
        self.decoder_ = build_vae_decoder(n_features, units, self.latent_dim, seed)
        self.optimizer_ = keras.optimizers.Adam(self.learning_rate, epsilon=1e-8)
        self.optimizer_.build(self._optimizer_variables("optimizer_"))

    def _optimizer_variables(self, name):
        return self.encoder_.trainable_variables + self.decoder_.trainable_variables

    def _make_trainer(self):
        from ._training import COMPILE_OPTIONS, VAETrainer

        trainer = VAETrainer(self.encoder_, self.decoder_, self.latent_dim)
        trainer.compile(optimizer=self.optimizer_, **COMPILE_OPTIONS)
        return trainer

    def _decode(self, z):
        return np.asarray(self.decoder_(z, training=False))

    @property
    def _n_features_out(self):
        return self.latent_dim

    # -- public methods ---------------------------------------------------
    def transform(self, X):
        """Encode images to their latent means.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, 1) or (n_samples, H*W)
            Images with the pixel count seen in :meth:`fit`.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype float32
            The encoder's mean for each image.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> VAEGenerator(latent_dim=3, epochs=1, random_state=0).fit(X).transform(X).shape
        (100, 3)
        """
        return self._map_image_chunks(
            lambda x: self.encoder_(x, training=False)[0], X, self.latent_dim
        )

    def inverse_transform(self, X):
        """Decode latent codes to images.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Latent codes, for example from :meth:`transform`.

        Returns
        -------
        images : ndarray of shape (n_samples, *image row shape), dtype float32
            Decoded pixel means in [0, 1], shaped like the training rows.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 28, 28), dtype=np.float32)
        >>> vae = VAEGenerator(epochs=1, random_state=0).fit(X)
        >>> vae.inverse_transform(np.zeros((3, 2))).shape
        (3, 28, 28)
        """
        check_is_fitted(self)
        Z = check_latent(X, self.latent_dim, what="X")
        return self._to_rows(self._map_chunks(self._decode, Z, self.n_features_in_))

    def score_samples(self, X):
        """Evidence lower bound of each image, in nats (higher is better).

        ``ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z))`` with the report's
        Bernoulli likelihood (binary cross-entropy summed over pixels). The
        expectation is a Monte Carlo average over 16 fixed standard-normal
        draws shared by all images, so the score of an image is
        deterministic and does not depend on the other images passed.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, 1) or (n_samples, H*W)
            Images.

        Returns
        -------
        elbo : ndarray of shape (n_samples,), dtype float64
            Per-image ELBO; ``-elbo`` is the negative ELBO the report's loss
            minimises.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> vae = VAEGenerator(epochs=1, random_state=0).fit(X)
        >>> bool((vae.score_samples(X) < 0).all())
        True
        """
        eps = np.random.default_rng(0).standard_normal((_SCORE_DRAWS, self.latent_dim)).astype(np.float32)

        def elbo(x):
            from ._training import vae_terms

            total = 0.0
            for e in eps:
                rec, kl = vae_terms(x, self.encoder_, self.decoder_, e[None, :])
                total = total + np.asarray(rec, dtype=np.float64) + np.asarray(kl, dtype=np.float64)
            return (-total / _SCORE_DRAWS)[:, None]

        return self._map_image_chunks(elbo, X, 1, dtype=np.float64)[:, 0]

    def score(self, X, y=None):
        """Mean evidence lower bound of ``X`` in nats (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, 1) or (n_samples, H*W)
            Images.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``score_samples(X).mean()``.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> isinstance(VAEGenerator(epochs=1, random_state=0).fit(X).score(X), float)
        True
        """
        return float(np.mean(self.score_samples(X)))
