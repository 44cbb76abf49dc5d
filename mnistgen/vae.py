"""The report's MLP variational autoencoder as a scikit-learn estimator."""
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._architectures import get_architecture
from ._base import BaseGenerator
from ._labels import given_labels, n_classes
from ._likelihoods import DECODER_LIKELIHOODS, REPORT_LIKELIHOOD
from ._objectives import VAE_OBJECTIVES
from ._priors import LATENT_PRIORS
from ._params import COMMON_CONSTRAINTS, Widths, check_positive_int, widths
from ._validation import check_images, check_latent, to_unit_float

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
    and epsilon) in batches of 100 for 50 epochs (training times are
    measured on the :doc:`/performance` page).

    As a transformer it maps images to their latent means, so its codes can
    feed any scikit-learn model; :meth:`score` is the mean evidence lower
    bound, so grid searches select by held-out ELBO.

    Beyond the report: ``architecture="conv"`` swaps the MLPs for a
    convolutional encoder and decoder, ``conditional=True`` trains a
    class-conditional VAE on ``fit(X, y)`` that :meth:`sample` can ask for a
    given class, and ``beta`` weights the KL term (a beta-VAE).

    Parameters
    ----------
    latent_dim : int, default=2
        Size of the latent space.
    hidden_units : tuple of int, default=(512, 256)
        Encoder hidden widths; the decoder mirrors them. Used by
        ``architecture="mlp"`` only.
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
    architecture : {"mlp", "conv"}, default="mlp"
        ``"mlp"`` is the report's dense networks (``hidden_units``);
        ``"conv"`` a convolutional encoder (3x3 stride-2 ReLU convolutions
        with ``conv_filters`` channels, ReLU dense layers of
        ``conv_dense_units``, then the two linear heads) and a mirrored
        decoder ending in transposed convolutions (see
        :func:`~mnistgen.networks.build_conv_vae_encoder`). ``"conv"`` needs
        image height and width divisible by ``2 ** len(conv_filters)`` (4 by
        default).
    conv_filters : tuple of int, default=(32, 64)
        Channels of the encoder's convolutions, input side first; the
        decoder uses them in reverse. Used by ``architecture="conv"`` only.
    conv_dense_units : tuple of int, default=(512, 256)
        Units of ReLU dense layers between the encoder's convolutions and
        its heads, input side first, mirrored in the decoder between ``z``
        and the grid (by default the report's MLP widths: the conv VAE is
        the report's networks with convolutions around them); ``()``: none,
        the conv VAE of version 0.1, whose heads read the convolutions
        directly. Used by ``architecture="conv"`` only.
    conditional : bool, default=False
        If True, train a class-conditional VAE: :meth:`fit` needs integer
        labels ``y``, the one-hot label is an extra input of the encoder and
        the decoder, and :meth:`sample` takes the classes to draw. The
        encoder then needs the labels too, so :meth:`transform`,
        :meth:`inverse_transform`, :meth:`score_samples` and :meth:`score`
        require ``y``. If False, ``y`` is ignored.
    beta : float, default=1.0
        Weight of the KL term in the training loss, ``reconstruction + beta
        * KL`` (a beta-VAE); ``1.0`` is the report's loss. Larger values
        give smoother latent spaces and blurrier reconstructions.
        :meth:`score_samples` always reports the true ELBO (beta = 1).
    on_divergence : {"raise", "restore"}, default="raise"
        What happens when an epoch ends with a NaN or infinite loss: training
        stops and the weights and optimizer state go back to the end of the
        last epoch with finite losses; then ``"raise"`` raises a
        ``FloatingPointError`` naming the epoch and the loss, ``"restore"``
        only warns (``RuntimeWarning``) and returns the estimator.
    distribute_strategy : tf.distribute.Strategy or None, default=None
        Train data-parallel under this ``tf.distribute`` strategy (for
        example ``tf.distribute.MirroredStrategy()`` over a machine's GPUs):
        :meth:`fit` and :meth:`partial_fit` build and train the networks in
        its scope. ``None`` uses the strategy whose scope is active when
        ``fit`` is called, if any, else one device. ``batch_size`` is the
        global batch, split across the replicas; the result is the
        single-device computation (see :doc:`/distributed`). Not stored by
        :meth:`save` or pickling.
    latent_sampler : estimator with ``fit`` and ``sample``, default=None
        Draw the latent codes of :meth:`sample` from this density, fitted on
        the latent means of the training images at the end of every
        :meth:`fit` and :meth:`partial_fit` (on that call's images), instead
        of the prior (None: from the prior, N(0, I) as in the report, or
        the learned ``prior``). Any
        scikit-learn density estimator works, for example
        ``GaussianMixture(n_components=10)``: this closes much of the gap
        between the prior and where the encoder puts the data (Ghosh et al.
        2020). A conditional VAE fits one clone per class, on that class's
        latents, so that it can draw a chosen digit. A sampler with
        ``random_state=None`` is seeded from ``random_state``. :meth:`save`
        keeps ``GaussianMixture``, ``BayesianGaussianMixture`` and
        ``KernelDensity`` samplers (as their parameters and the latents they
        were fitted on, without pickle); pickling keeps any.
    early_stopping : bool, default=False
        If True, :meth:`fit` holds out ``validation_fraction`` of the images
        (stratified by label for a conditional model), records their loss
        after every epoch as ``history_["val_loss"]`` (``reconstruction +
        beta * KL`` on the held-out images, one fixed noise draw per image:
        the negative ELBO for ``beta=1``, whatever the ``objective``; shown
        in the progress bar and seen by ``callbacks``), stops once it has
        not fallen by ``tol`` for ``n_iter_no_change`` epochs and ends with
        the weights of the best epoch (``best_epoch_``). :meth:`partial_fit`
        ignores it.
    validation_fraction : float, default=0.1
        Share of the images held out when ``early_stopping`` is on.
    n_iter_no_change : int, default=10
        Epochs without an improvement before early stopping stops.
    tol : float, default=1e-4
        The least decrease of ``val_loss`` (nats) that is an improvement.
    dtype_policy : {"float32", "mixed_bfloat16"}, default="float32"
        ``"mixed_bfloat16"`` runs the encoder's and decoder's hidden layers
        in bfloat16, keeping weights, the optimizer and the layers that
        output the latent moments and the pixels in float32; faster on
        processors with bfloat16 units (:doc:`/performance`).
    learning_rate_schedule : {"constant", "cosine"}, default="constant"
        ``"cosine"`` lowers ``learning_rate`` epoch by epoch along half a
        cosine, to near 0 in the last of ``epochs``; ``"constant"`` (the
        report's) keeps it.
    kl_warmup : int, default=0
        Epochs over which the KL term's weight rises linearly to ``beta``
        (a KL warm-up): in epoch ``e`` (counted from 0 over the whole
        training) of the first ``kl_warmup`` it is ``beta * (e + 1) /
        (kl_warmup + 1)``. ``0``, the report's, weights it by ``beta`` from
        the start. ``history_["loss"]`` is the loss trained, with the weight
        of its epoch.
    objective : {"elbo", "iwae"}, default="elbo"
        What training minimises for each image. ``"elbo"``, the report's,
        is the negative ELBO on one draw of the latent code; ``"iwae"``
        minus the importance-weighted bound of Burda et al. (2016) on
        ``importance_samples`` draws (what ``score_samples(X,
        n_importance=k)`` reports), a tighter bound that gives the encoder
        more freedom; a step then decodes each image ``importance_samples``
        times. ``history_["loss"]`` is the objective's value;
        ``"val_loss"`` is the negative ELBO either way.
    importance_samples : int, default=5
        Draws per image of ``objective="iwae"``; unused by ``"elbo"``.
    prior : {"normal", "mixture"}, default="normal"
        The prior p(z). ``"normal"``, the report's, is N(0, I), with the
        analytic KL term. ``"mixture"`` is a mixture of
        ``prior_components`` diagonal Gaussians learned with the networks
        (Tomczak and Welling 2018): the KL term is then estimated at the
        decoded code (``log q(z|x) - log p(z)``), the bound fits codes that
        cluster, and :meth:`sample` draws from the learned mixture (unless
        ``latent_sampler`` is set). Its weights are the network ``prior_``.
    prior_components : int, default=10
        Gaussians of ``prior="mixture"``; unused by ``"normal"``.

    Attributes
    ----------
    encoder_ : keras.Model
        Maps flat images ``(n, n_features_in_)`` to ``[z_mean, z_log_var]``.
    decoder_ : keras.Model
        Maps latent codes ``(n, latent_dim)`` to flat pixel means in [0, 1].
    prior_ : keras.Model
        Only with a learned ``prior``: maps latent codes ``(n, latent_dim)``
        to their log-density ``log p(z)`` under the prior; its layer
        ``"mixture"`` holds the mixture's ``means``, ``log_vars`` and
        ``logits``.
    optimizer_ : keras.optimizers.Adam
        The optimizer, kept so that training can resume exactly (of the
        encoder, the decoder and a learned prior; for
        ``architecture="conv"``, Adam whose update is TensorFlow's fused
        kernel: the same updates).
    latent_samplers_ : list of estimators
        Only with ``latent_sampler``: the fitted clone (one per class for a
        conditional model, in the order of ``classes_``).
    history_ : dict of list of float
        Per-epoch means over the training images: ``"loss"`` (the loss
        minimised, ``reconstruction_loss + beta * kl_loss``: the negative
        ELBO for ``beta=1``; with ``objective="iwae"`` minus that bound),
        ``"reconstruction_loss"`` (over the draws, with ``"iwae"``) and
        ``"kl_loss"``, in nats, and with ``early_stopping`` ``"val_loss"``.
        Grows with ``partial_fit`` and warm-started fits.
    best_epoch_ : int
        Only with ``early_stopping``: the epoch (counted as ``n_iter_``)
        of the lowest ``val_loss``, whose weights the model has.
    best_validation_score_ : float
        Only with ``early_stopping``: that lowest ``val_loss``.
    n_iter_ : int
        Epochs trained so far.
    n_features_in_ : int
        Pixels per image.
    image_shape_ : tuple of int
        ``(H, W)`` of the training images.
    classes_ : ndarray of shape (n_classes,), dtype int64
        Only if ``conditional=True``: the sorted distinct training labels.
    class_prior_ : ndarray of shape (n_classes,)
        Only if ``conditional=True``: the share of each class among the
        training labels; :meth:`sample` without ``y`` draws classes in these
        proportions.

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

    A convolutional, class-conditional VAE draws the classes asked for:

    >>> y = np.arange(200) % 10
    >>> cvae = VAEGenerator(architecture="conv", conditional=True, epochs=1,
    ...                     random_state=0).fit(X, y)
    >>> cvae.classes_.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> cvae.sample(4, y=[0, 1, 2, 3]).shape
    (4, 28, 28)
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "hidden_units": [Widths()],
        "beta": [Interval(Real, 0.0, np.inf, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left")],
        "objective": [StrOptions(set(VAE_OBJECTIVES))],
        "importance_samples": [Interval(Integral, 1, None, closed="left")],
        "prior": [StrOptions(set(LATENT_PRIORS))],
        "prior_components": [Interval(Integral, 1, None, closed="left")],
        "conv_dense_units": [Widths(allow_empty=True)],
        "latent_sampler": [None, HasMethods(["fit", "sample"])],
    }

    def __init__(
        self,
        *,
        latent_dim=2,
        hidden_units=(512, 256),
        epochs=50,
        batch_size=100,
        learning_rate=1e-3,
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        architecture="mlp",
        conv_filters=(32, 64),
        conv_dense_units=(512, 256),
        conditional=False,
        beta=1.0,
        on_divergence="raise",
        distribute_strategy=None,
        latent_sampler=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        dtype_policy="float32",
        learning_rate_schedule="constant",
        kl_warmup=0,
        objective="elbo",
        importance_samples=5,
        prior="normal",
        prior_components=10,
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
        self.architecture = architecture
        self.conv_filters = conv_filters
        self.conv_dense_units = conv_dense_units
        self.conditional = conditional
        self.beta = beta
        self.on_divergence = on_divergence
        self.distribute_strategy = distribute_strategy
        self.latent_sampler = latent_sampler
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.dtype_policy = dtype_policy
        self.learning_rate_schedule = learning_rate_schedule
        self.kl_warmup = kl_warmup
        self.objective = objective
        self.importance_samples = importance_samples
        self.prior = prior
        self.prior_components = prior_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # -- what BaseGenerator asks of a model ---------------------------------
    @property
    def _network_attributes(self):
        """The fitted networks: the prior's too when it is learned."""
        learned = ("prior_",) if LATENT_PRIORS[self.prior].learned else ()
        return ("encoder_", "decoder_") + learned

    @property
    def _optimizer_networks(self):
        return {"optimizer_": self._network_attributes}

    def _make_networks(self, seed):
        from . import networks

        k = n_classes(self)
        activation = self._likelihood.output_activation
        if get_architecture(self.architecture).images_as_grids:
            filters, dense = widths(self.conv_filters), widths(self.conv_dense_units)
            made = {
                "encoder_": networks.build_conv_vae_encoder(
                    self.image_shape_, filters, self.latent_dim, seed, n_classes=k,
                    dense_units=dense),
                "decoder_": networks.build_conv_vae_decoder(
                    self.image_shape_, filters, self.latent_dim, seed, n_classes=k,
                    dense_units=dense, output_activation=activation),
            }
        else:
            units = widths(self.hidden_units)
            made = {
                "encoder_": networks.build_vae_encoder(
                    self.n_features_in_, units, self.latent_dim, seed, n_classes=k),
                "decoder_": networks.build_vae_decoder(
                    self.n_features_in_, units, self.latent_dim, seed, n_classes=k,
                    output_activation=activation),
            }
        prior = LATENT_PRIORS[self.prior]
        if prior.learned:
            made["prior_"] = prior.build(self.latent_dim, self.prior_components, seed)
        return made

    def _check_combination(self, resume):
        if resume and self._prior_shapes(fitted=True) != self._prior_shapes(fitted=False):
            raise ValueError(
                f"prior or prior_components was changed after fitting (now prior="
                f"{self.prior!r}, prior_components={self.prior_components!r}); a "
                "warm-started fit or partial_fit cannot change the prior network. Fit "
                "a fresh estimator (warm_start=False)."
            )

    def _prior_shapes(self, fitted):
        """The weight shapes of the fitted prior network, or of the one the
        parameters ask for (``[]``: N(0, I), no network)."""
        if fitted:
            network = self.__dict__.get("prior_")
            return [] if network is None else sorted(tuple(w.shape) for w in network.weights)
        from ._sizes import network_weights

        return sorted(shape for shape, _ in network_weights(self).get("prior_", ()))

    @property
    def _prior_network(self):
        """The learned prior network, or None for N(0, I)."""
        if not LATENT_PRIORS[self.prior].learned:
            return None
        return self.__dict__.get("prior_")

    def _build(self, seed):
        self.__dict__.pop("prior_", None)  # a fresh fit without a learned prior has none
        super()._build(seed)

    @property
    def _likelihood(self):
        """The decoder likelihood's registry entry (the report's Bernoulli)."""
        return DECODER_LIKELIHOODS[REPORT_LIKELIHOOD]

    def _make_optimizers(self):
        from ._optimizers import make_adam

        return {"optimizer_": make_adam(self.architecture, self.learning_rate, 0.9, 0.999)}

    def _make_trainer(self):
        from ._compilation import keras_compile_kwargs
        from ._distribute import distributed
        from ._vae_trainer import VAETrainer

        trainer = VAETrainer(self.encoder_, self.decoder_, self.latent_dim,
                             VAE_OBJECTIVES[self.objective], beta=self.beta,
                             n_classes=n_classes(self), likelihood=self._likelihood,
                             kl_warmup=self.kl_warmup, importance_samples=self.importance_samples,
                             prior=self._prior_network)
        trainer.compile(optimizer=self.optimizer_,
                        **keras_compile_kwargs(self.architecture, distributed()))
        return trainer

    def _decode(self, z, labels=None):
        from ._inference import infer

        return infer(self.decoder_, z, labels)

    def _negative_elbo(self, x, eps, labels=None, beta=1.0):
        """Per-row ``reconstruction + beta * KL`` in nats (float64), noise ``eps``."""
        from ._vae_trainer import vae_terms

        rec, kl = vae_terms(x, self.encoder_, self.decoder_, eps, labels=labels,
                            likelihood=self._likelihood, prior=self._prior_network)
        return np.asarray(rec, dtype=np.float64) + beta * np.asarray(kl, dtype=np.float64)

    def _validation_score(self, X, X_val, labels_val):
        """``("val_loss", score)``: the training loss on held-out rows, one fixed draw each."""
        from ._inference import CHUNK

        eps = np.random.default_rng(self._seed).standard_normal(
            (len(X_val), self.latent_dim)).astype(np.float32)

        def score():
            total = 0.0
            for i in range(0, len(X_val), CHUNK):
                chunk = slice(i, i + CHUNK)
                labels = None if labels_val is None else labels_val[chunk]
                total += self._negative_elbo(X_val[chunk], eps[chunk], labels, self.beta).sum()
            return float(total / len(X_val))

        return "val_loss", score

    def _after_training(self, X, labels):
        """Fit ``latent_sampler`` on the latent means of the training images."""
        from ._inference import map_chunks

        Z = None
        if self.latent_sampler is not None:
            Z = map_chunks(self._latent_means, X, self.latent_dim,
                           labels=labels)
        self._fit_samplers(Z, None if labels is None else labels.argmax(axis=1))

    def _latent_means(self, x, labels=None):
        """The encoder's means of a chunk of flat [0, 1] images."""
        from ._inference import infer

        return infer(self.encoder_, x, labels)[0]

    def _fit_samplers(self, Z, classes):
        """Fit ``latent_sampler`` on latents ``Z`` (per class index), or drop it."""
        from ._latent_samplers import fit_samplers

        for name in ("latent_samplers_", "_sampler_data"):
            self.__dict__.pop(name, None)
        if self.latent_sampler is None:
            return
        seed = self._seed + self.n_iter_
        self.latent_samplers_ = fit_samplers(self.latent_sampler, Z, classes, seed, n_classes(self))
        self._sampler_data = (Z, classes, seed)

    def _latents(self, n_samples, labels, rng):
        if "latent_samplers_" not in self.__dict__:
            if self._prior_network is not None:  # the learned prior
                return LATENT_PRIORS[self.prior].draw(self._prior_network, n_samples, rng)
            return super()._latents(n_samples, labels, rng)
        from ._latent_samplers import draw

        classes = None if labels is None else labels.argmax(axis=1)
        return draw(self.latent_samplers_, n_samples, classes, rng)

    def _extra_state(self):
        """The fitted latent sampler, as :mod:`mnistgen._latent_samplers` saves it."""
        if "latent_samplers_" not in self.__dict__:
            return None
        from ._latent_samplers import to_state

        Z, classes, seed = self._sampler_data
        return to_state(self.latent_sampler, Z, classes, seed, n_classes(self))

    def _set_extra_state(self, meta, arrays):
        from ._latent_samplers import from_state

        self.latent_sampler, self.latent_samplers_ = from_state(meta, arrays)
        self._sampler_data = (arrays["latents"], arrays.get("classes"), meta["seed"])

    def _map_images(self, fn, X, n_out, y, method, dtype=np.float32):
        """Validate images ``X`` and apply ``fn(x, labels)`` chunk by chunk.

        ``x`` is a float32 chunk of flat images in [0, 1]; ``labels`` the
        chunk's one-hot labels for a conditional model (``y`` is then
        required by ``method``), else None. Pixel values are checked and
        scaled one chunk at a time, so that encoding a large uint8 array
        never holds a float copy of all of it.
        """
        from ._inference import map_chunks

        check_is_fitted(self)
        flat, _, _ = check_images(X, image_shape=self.image_shape_, convert=False)
        labels = given_labels(self, y, flat.shape[0], method)
        return map_chunks(lambda rows, chunk_labels: fn(to_unit_float(rows), chunk_labels),
                          flat, n_out, labels=labels, dtype=dtype)

    @property
    def _n_features_out(self):
        return self.latent_dim

    # -- public methods ---------------------------------------------------
    def fit_transform(self, X, y=None):
        """Fit to ``X`` (and ``y``), then encode ``X`` (with ``y``).

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Training images.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels, required when ``conditional=True``; ignored
            otherwise.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype float32
            ``fit(X, y).transform(X, y)``.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> VAEGenerator(epochs=1, random_state=0).fit_transform(X).shape
        (100, 2)
        """
        return self.fit(X, y).transform(X, y)

    def fit_latent_sampler(self, X, y=None):
        """Fit ``latent_sampler`` on the latent means of ``X``, without training.

        :meth:`fit` does this at its end with the training images; call it
        to try another sampler on a trained model (set ``latent_sampler``
        first), or to fit it on other images. With ``latent_sampler=None``
        it removes the fitted sampler: :meth:`sample` draws from the prior
        again. The networks are not touched.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Images with the pixel count seen in :meth:`fit`.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels, required for a conditional model (one sampler
            per class); ignored otherwise.

        Returns
        -------
        self : VAEGenerator
            With ``latent_samplers_`` fitted (or removed).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.mixture import GaussianMixture
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> vae = VAEGenerator(epochs=1, random_state=0).fit(X)
        >>> vae.set_params(latent_sampler=GaussianMixture(3)).fit_latent_sampler(X) is vae
        True
        >>> vae.latent_samplers_[0].means_.shape
        (3, 2)
        """
        self._validate_params()
        check_is_fitted(self)
        if self.latent_sampler is None:  # nothing to fit: back to the prior
            self._fit_samplers(None, None)
            return self
        Z = self._map_images(self._latent_means,
                             X, self.latent_dim, y, "fit_latent_sampler")
        classes = None
        if self.conditional:
            classes = given_labels(self, y, len(Z), "fit_latent_sampler").argmax(axis=1)
        self._fit_samplers(Z, classes)
        return self

    def transform(self, X, y=None):
        """Encode images to their latent means.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Images with the pixel count seen in :meth:`fit`.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels, one of ``classes_`` per image: required for a
            conditional model, whose encoder reads them (a ``ValueError``
            says so if missing); ignored otherwise. In a pipeline, a
            conditional VAE can therefore be fitted (``fit_transform``
            passes ``y``) but not used to transform unlabelled data.

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
        return self._map_images(
            self._latent_means,
            X, self.latent_dim, y, "transform",
        )

    def inverse_transform(self, X, y=None):
        """Decode latent codes to images.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Latent codes, for example from :meth:`transform`.
        y : int or array-like of shape (n_samples,) of int, default=None
            For a conditional model (required there): the class to decode
            each code as, one of ``classes_``; a single label applies to
            all codes. Ignored by an unconditional model.

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
        from ._inference import map_chunks

        check_is_fitted(self)
        Z = check_latent(X, self.latent_dim, what="X")
        labels = given_labels(self, y, Z.shape[0], "inverse_transform")
        return self._to_rows(map_chunks(self._decode, Z, self.n_features_in_, labels=labels))

    def score_samples(self, X, y=None, n_importance=1):
        """Lower bound on the log-likelihood of each image, in nats (higher is better).

        With ``n_importance=1`` the evidence lower bound ``ELBO(x) =
        E_q[log p(x|z)] - KL(q(z|x) || p(z))`` with the report's Bernoulli
        likelihood (binary cross-entropy summed over pixels), its expectation
        a Monte Carlo average over 16 fixed standard-normal draws. With
        ``n_importance=k > 1`` the tighter importance-weighted bound of
        Burda et al. (2016), ``log (1/k) sum_i p(x, z_i) / q(z_i | x)``, the
        number papers report as a VAE's log-likelihood (with k = 5000). The
        draws are fixed and shared by all images, so the score of an image
        is deterministic and does not depend on the other images passed.
        The bound is the report's model's (beta = 1) whatever ``beta`` the
        model was trained with. For a conditional model it bounds log p(x | y).

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Images.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels: required for a conditional model, ignored
            otherwise.
        n_importance : int, default=1
            Importance samples per image; 1 is the ELBO.

        Returns
        -------
        bound : ndarray of shape (n_samples,), dtype float64
            Per-image bound; with ``n_importance=1``, ``-bound`` is the
            negative ELBO the report's loss minimises.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> vae = VAEGenerator(epochs=1, random_state=0).fit(X)
        >>> bool((vae.score_samples(X) < 0).all())
        True
        """
        check_is_fitted(self)
        k = check_positive_int("n_importance", n_importance)
        if k > 1:
            return self._map_images(self._iwae_rows(k), X, 1, y, "score_samples",
                                    dtype=np.float64)[:, 0]
        eps = np.random.default_rng(0).standard_normal((_SCORE_DRAWS, self.latent_dim)).astype(np.float32)

        def elbo(x, labels):
            total = sum(self._negative_elbo(x, e[None, :], labels) for e in eps)
            return (-total / _SCORE_DRAWS)[:, None]

        return self._map_images(elbo, X, 1, y, "score_samples", dtype=np.float64)[:, 0]

    def _iwae_rows(self, k):
        """``fn(x, labels)`` giving the importance-weighted bound of each row of ``x``."""
        from ._inference import CHUNK
        from ._vae_trainer import importance_weighted_bound

        eps = np.random.default_rng(0).standard_normal((k, self.latent_dim)).astype(np.float32)
        step = max(1, CHUNK // k)  # rows per call: k decoded codes per image

        def rows(x, labels):
            return np.concatenate([importance_weighted_bound(
                self.encoder_, self.decoder_, x[i:i + step], eps,
                None if labels is None else labels[i:i + step], self._likelihood,
                self._prior_network)
                for i in range(0, len(x), step)
            ])[:, None]

        return rows

    def score(self, X, y=None, n_importance=1):
        """Mean lower bound on the log-likelihood of ``X`` in nats (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Images.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels: required for a conditional model, ignored
            otherwise.
        n_importance : int, default=1
            Importance samples per image: 1 is the mean ELBO, more the
            tighter importance-weighted bound (see :meth:`score_samples`).

        Returns
        -------
        score : float
            ``score_samples(X, y, n_importance).mean()``.

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((100, 64), dtype=np.float32)
        >>> isinstance(VAEGenerator(epochs=1, random_state=0).fit(X).score(X), float)
        True
        """
        return float(np.mean(self.score_samples(X, y, n_importance=n_importance)))
