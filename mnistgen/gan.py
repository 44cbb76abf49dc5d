"""The report's MLP generative adversarial network as a scikit-learn estimator."""
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._architectures import get_architecture
from ._base import BaseGenerator
from ._gan_losses import GAN_LOSSES, LABEL_CONDITIONINGS, losses_with_penalty
from ._labels import n_classes
from ._params import COMMON_CONSTRAINTS, Widths, widths

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

    ``epochs=100`` is the default, a long training on a CPU (the
    documentation's performance page gives the measured time of an epoch).
    Even after it the digits stay noisy and mode-collapsed: for each of
    three seeds at least one digit class is missing from 10,000 samples
    (the documentation's quality page measures it, next to the report's
    own code).

    A GAN has no encoder, so unlike :class:`VAEGenerator` this estimator has
    no ``transform`` or ``score``.

    Beyond the report: ``architecture="conv"`` swaps the MLPs for a
    DCGAN-style generator and discriminator, and ``conditional=True`` trains
    a class-conditional GAN on ``fit(X, y)`` that :meth:`sample` can ask for
    a given class.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the generator's noise input.
    generator_units : tuple of int, default=(128, 256, 512, 1024)
        Generator hidden widths; all but the first get batch normalisation.
        Used by ``architecture="mlp"`` only.
    discriminator_units : tuple of int, default=(512, 256)
        Discriminator hidden widths. Used by ``architecture="mlp"`` only.
    epochs : int, default=100
        Epochs that :meth:`fit` trains.
    batch_size : int, default=64
        Images per step.
    learning_rate : float, default=2e-4
        Adam's learning rate, for both networks unless
        ``generator_learning_rate`` or ``discriminator_learning_rate`` is set.
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
    architecture : {"mlp", "conv"}, default="mlp"
        ``"mlp"`` is the report's dense networks (``generator_units``,
        ``discriminator_units``); ``"conv"`` a DCGAN-style pair: the
        generator maps the noise with a dense layer to an (H/4, W/4) grid
        and doubles it with 5x5 stride-2 transposed convolutions (batch norm
        and LeakyReLU(0.2) after each but the tanh output), the
        discriminator halves the image with 5x5 stride-2 convolutions and
        LeakyReLU(0.2) (no batch norm) before one sigmoid unit (see
        :func:`~mnistgen.networks.build_conv_gan_generator`). ``"conv"``
        needs image height and width divisible by
        ``2 ** len(conv_filters)`` (4 by default).
    conv_filters : tuple of int, default=(32, 64)
        Channels of the discriminator's convolutions, input side first; the
        generator uses them in reverse unless ``conv_generator_filters`` is
        given. Used by ``architecture="conv"`` only.
    conv_generator_filters : tuple of int, default=None
        The generator's own channels, in the order of ``conv_filters``
        (image side first: the generator's first grid has the last entry's
        channels) and as many entries; None: ``conv_filters``. A wider
        generator than discriminator, for example ``(64, 128)`` beside
        ``(32, 64)``. Used by ``architecture="conv"`` only.
    conditional : bool, default=False
        If True, train a class-conditional GAN: :meth:`fit` needs integer
        labels ``y``, the one-hot label is an extra input of both networks
        (concatenated to the noise; to the flat image for the MLP
        discriminator, as extra constant channels for the conv one), and
        :meth:`sample` takes the classes to draw. If False, ``y`` is ignored.
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
    loss : {"bce", "bce-logits", "bce-r1", "hinge", "wgan-gp"}, default="bce"
        The adversarial loss. ``"bce"`` is the report's: binary
        cross-entropy with the non-saturating generator loss and a sigmoid
        discriminator. ``"bce-logits"`` is the same loss computed on the
        discriminator's logit (a linear output; no probability is clipped);
        ``"bce-r1"`` adds the R1 penalty on real images (Mescheder et al.
        2018). ``"hinge"`` (Miyato et al. 2018) and ``"wgan-gp"``
        (Wasserstein with gradient penalty, Gulrajani et al. 2017) give the
        discriminator a linear output (a critic score) and the generator the
        loss ``-D(G(z))``. The user guide says when to use which.
    gp_weight : float, default=None
        ``loss="wgan-gp"`` or ``"bce-r1"`` only: weight of the gradient
        penalty; None is the published 10 for WGAN-GP and 1 for R1. Given
        with another loss it is an error.
    gp_interval : int, default=1
        Losses with a penalty only: compute the penalty on every
        ``gp_interval``-th discriminator step only, weighted ``gp_interval``
        times there (lazy regularisation, Karras et al. 2020): the same
        average weight at about ``1 / gp_interval`` of its cost. Other than
        1 with a loss without a penalty it is an error.
    n_critic : int, default=None
        Discriminator updates per generator update: every mini-batch trains
        the discriminator, every ``n_critic``-th also the generator. None is
        5 for ``"wgan-gp"`` (the published setting) and 1 otherwise (the
        report's generator-then-discriminator step on each mini-batch).
    spectral_norm : bool, default=False
        Spectral normalisation of every discriminator layer (Keras's
        ``SpectralNormalization``), which bounds its Lipschitz constant.
    ema : float, default=None
        If set (for example 0.999), keep an exponential moving average of
        the generator's weights, ``generator_ema_``, updated after every
        generator step with this momentum (Yazici et al. 2019; warmed up:
        at most ``(1 + t) / (10 + t)`` at step ``t``, so that early averages
        are not mostly the initial weights), and :meth:`sample` from it.
        None samples from the trained generator, as the report does.
    generator_learning_rate, discriminator_learning_rate : float, default=None
        Separate learning rates (two time-scale updates); None takes
        ``learning_rate``.
    beta_2 : float, default=0.999
        Adam's ``beta_2``, for both networks (the published WGAN-GP setting
        is 0.9, with ``beta_1=0``).
    early_stopping : bool, default=False
        If True, :meth:`fit` holds out ``validation_fraction`` of the images
        (stratified by label for a conditional model) and after every epoch
        records the Frechet distance between as many samples (a fixed seed;
        for a conditional model, of the held-out labels) and the held-out
        images, on the features of ``validation_features``, as
        ``history_["val_frechet_distance"]`` (shown in the progress bar and
        seen by ``callbacks``). Training stops once it has not fallen by
        ``tol`` for ``n_iter_no_change`` epochs and ends with the weights of
        the best epoch (``best_epoch_``). A GAN's losses say little about
        its samples; this distance does. :meth:`partial_fit` ignores it.
    validation_fraction : float, default=0.1
        Share of the images held out when ``early_stopping`` is on.
    n_iter_no_change : int, default=10
        Epochs without an improvement before early stopping stops.
    tol : float, default=1e-4
        The least decrease of the distance that is an improvement.
    validation_features : {"auto", "mnist", "fashion-mnist", "pca"} or keras.Model, default="auto"
        The features of the validation distance: ``"mnist"`` and
        ``"fashion-mnist"`` the penultimate layer of the shipped classifier
        of :mod:`mnistgen.metrics`; ``"pca"`` the first (up to) 64
        principal components of the training images, which fit any data
        and need no labels; a classifier of
        :func:`mnistgen.metrics.fit_classifier` its penultimate layer.
        ``"auto"`` is ``"mnist"`` for 28x28 greyscale images and ``"pca"``
        otherwise: pass ``"fashion-mnist"`` for Fashion-MNIST.
    self_conditioning : int, default=None
        Unconditional models only: train a conditional GAN on labels found
        in the images themselves (self-conditioning, Liu et al. 2020), the
        ids of this many k-means clusters of the training images' leading
        principal components, seeded from ``random_state``. :meth:`sample`
        without ``y`` draws cluster ids in their training proportions, so
        that every cluster keeps its share of the samples; needs no labels,
        so it works on your own images. None trains the plain GAN.
    conditioning : {"input", "projection"}, default="input"
        How the discriminator of a conditional (or self-conditioned) GAN
        reads the labels: ``"input"`` as extra inputs (one-hot channels of
        the image for ``architecture="conv"``); ``"projection"`` as the
        inner product of its last features with a learned embedding of the
        label (Miyato & Koyama 2018), whose inputs do not grow with the
        number of classes. The generator always takes the labels with ``z``.
    dtype_policy : {"float32", "mixed_bfloat16"}, default="float32"
        Precision of the networks' hidden layers. ``"mixed_bfloat16"``
        computes them in bfloat16 (weights, optimizers and the output
        layers stay float32): faster where the processor multiplies
        bfloat16 natively (see :doc:`/performance`).
    learning_rate_schedule : {"constant", "cosine"}, default="constant"
        How both networks' learning rates change over the ``epochs``:
        ``"constant"`` (the report's) keeps them; ``"cosine"`` multiplies
        them by half a cosine, from 1 in the first epoch towards 0 after
        the last, set at each epoch's start.

    Attributes
    ----------
    generator_ : keras.Model
        Maps noise ``(n, latent_dim)`` to flat images in [-1, 1].
    generator_ema_ : keras.Model
        Only if ``ema`` is set: the averaged generator that :meth:`sample`
        uses, saved and pickled with the rest.
    discriminator_ : keras.Model
        Maps flat images in [-1, 1] to the probability of being real (to a
        critic score for the hinge and Wasserstein losses).
    g_optimizer_, d_optimizer_ : keras.optimizers.Adam
        The two optimizers, kept so that training can resume exactly (for
        ``architecture="conv"``, Adam whose update is TensorFlow's fused
        kernel: the same updates).
    history_ : dict of list of float
        Per-epoch means over batches: ``"d_loss"``, ``"g_loss"``,
        ``"d_real"`` (mean D(x)) and ``"d_fake"`` (mean D(G(z))); with
        ``early_stopping`` also ``"val_frechet_distance"``.
    best_epoch_ : int
        Only with ``early_stopping``: the epoch (counted as ``n_iter_``)
        of the lowest validation distance, whose weights the model has.
    best_validation_score_ : float
        Only with ``early_stopping``: that lowest distance.
    n_iter_ : int
        Epochs trained so far.
    n_features_in_ : int
        Pixels per image.
    image_shape_ : tuple of int
        ``(H, W)`` of the training images.
    classes_ : ndarray of shape (n_classes,), dtype int64
        Only if ``conditional=True``: the sorted distinct training labels
        (with ``self_conditioning``, the cluster ids ``0 .. k-1``).
    class_prior_ : ndarray of shape (n_classes,)
        Only if ``conditional=True`` or ``self_conditioning``: the share of
        each class (cluster) among the training images; :meth:`sample`
        without ``y`` draws them in these proportions.

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

    A conditional DCGAN-style model samples the classes asked for:

    >>> y = np.arange(128) % 3 + 5
    >>> cgan = GANGenerator(architecture="conv", conditional=True, epochs=1,
    ...                     random_state=0).fit(X, y)
    >>> cgan.classes_.tolist()
    [5, 6, 7]
    >>> cgan.sample(3, y=7).shape
    (3, 28, 28)
    """

    _optimizer_networks = {"g_optimizer_": ("generator_",), "d_optimizer_": ("discriminator_",)}
    _extra_state_version = 3  # the self-conditioning clusters
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "generator_units": [Widths()],
        "discriminator_units": [Widths()],
        "beta_1": [Interval(Real, 0.0, 1.0, closed="left")],
        "beta_2": [Interval(Real, 0.0, 1.0, closed="left")],
        "loss": [StrOptions(set(GAN_LOSSES))],
        "gp_weight": [None, Interval(Real, 0.0, np.inf, closed="left")],
        "gp_interval": [Interval(Integral, 1, None, closed="left")],
        "n_critic": [None, Interval(Integral, 1, None, closed="left")],
        "spectral_norm": ["boolean"],
        "ema": [None, Interval(Real, 0.0, 1.0, closed="neither")],
        "generator_learning_rate": [None, Interval(Real, 0.0, np.inf, closed="neither")],
        "discriminator_learning_rate": [None, Interval(Real, 0.0, np.inf, closed="neither")],
        "validation_features": [StrOptions({"auto", "mnist", "fashion-mnist", "pca"}),
                                HasMethods(["predict", "get_layer"])],
        "self_conditioning": [None, Interval(Integral, 2, None, closed="left")],
        "conv_generator_filters": [None, Widths()],
        "conditioning": [StrOptions(set(LABEL_CONDITIONINGS))],
    }

    def __init__(
        self,
        *,
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
        architecture="mlp",
        conv_filters=(32, 64),
        conditional=False,
        on_divergence="raise",
        distribute_strategy=None,
        loss="bce",
        gp_weight=None,
        gp_interval=1,
        n_critic=None,
        spectral_norm=False,
        ema=None,
        generator_learning_rate=None,
        discriminator_learning_rate=None,
        beta_2=0.999,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        validation_features="auto",
        self_conditioning=None,
        conditioning="input",
        conv_generator_filters=None,
        dtype_policy="float32",
        learning_rate_schedule="constant",
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
        self.architecture = architecture
        self.conv_filters = conv_filters
        self.conv_generator_filters = conv_generator_filters
        self.conditional = conditional
        self.on_divergence = on_divergence
        self.distribute_strategy = distribute_strategy
        self.loss = loss
        self.gp_weight = gp_weight
        self.gp_interval = gp_interval
        self.n_critic = n_critic
        self.spectral_norm = spectral_norm
        self.ema = ema
        self.generator_learning_rate = generator_learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.beta_2 = beta_2
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.validation_features = validation_features
        self.self_conditioning = self_conditioning
        self.conditioning = conditioning
        self.dtype_policy = dtype_policy
        self.learning_rate_schedule = learning_rate_schedule

    @property
    def _network_attributes(self):
        """The fitted networks: the averaged generator too when ``ema`` is set."""
        averaged = ("generator_ema_",) if self.ema is not None else ()
        return ("generator_", "discriminator_") + averaged

    @property
    def _projection(self):
        """Whether the discriminator projects the labels (``conditioning``)."""
        return LABEL_CONDITIONINGS[self.conditioning]

    @property
    def _adversarial_loss(self):
        """The registry entry of ``loss`` (:class:`~mnistgen._gan_losses.GANLoss`)."""
        return GAN_LOSSES[self.loss]

    def _check_combination(self, resume):
        for name, unset in (("gp_weight", None), ("gp_interval", 1)):
            if getattr(self, name) != unset and self._adversarial_loss.penalty is None:
                takers = " or ".join(f"loss={loss!r}" for loss in losses_with_penalty())
                raise ValueError(
                    f"{name}={getattr(self, name)!r} was given with loss={self.loss!r}, which "
                    f"has no gradient penalty. Leave {name}={unset!r}, or use {takers}."
                )
        if (self.conv_generator_filters is not None
                and len(widths(self.conv_generator_filters)) != len(widths(self.conv_filters))):
            raise ValueError(
                f"conv_generator_filters={self.conv_generator_filters!r} has "
                f"{len(widths(self.conv_generator_filters))} entries and conv_filters="
                f"{self.conv_filters!r} {len(widths(self.conv_filters))}: the generator "
                "needs one per stage of the discriminator (the same grid)."
            )
        if self.self_conditioning is not None and self.conditional:
            raise ValueError(
                f"self_conditioning={self.self_conditioning!r} was given with "
                "conditional=True: self-conditioning finds labels for unlabelled "
                "images. Use one of them."
            )
        if resume and self._fitted_clusters() != self.self_conditioning:
            raise ValueError(
                f"self_conditioning was changed after fitting (fitted: "
                f"{self._fitted_clusters()}, now: {self.self_conditioning}); a "
                "warm-started fit or partial_fit cannot change it. Fit a fresh "
                "estimator (warm_start=False)."
            )
        if resume and ("generator_ema_" in self.__dict__) != (self.ema is not None):
            raise ValueError(
                "ema was switched on or off after fitting; a warm-started fit or "
                "partial_fit cannot add or drop the averaged generator. Fit a "
                "fresh estimator (warm_start=False)."
            )

    @property
    def _generator_filters(self):
        """The conv generator's channels: ``conv_generator_filters``, else ``conv_filters``."""
        own = self.conv_generator_filters
        return widths(self.conv_filters if own is None else own)

    @property
    def _trains_on_labels(self):
        """Labels or, with ``self_conditioning``, clusters."""
        return bool(self.conditional) or self.self_conditioning is not None

    def _fitted_clusters(self):
        """The number of self-conditioning clusters fitted, or None."""
        clusters = self.__dict__.get("_clusters")
        return None if clusters is None else len(clusters.centers)

    def _training_labels(self, X, y, resume, seed):
        """With ``self_conditioning``: the one-hot cluster of each row (clusters
        found on a fresh fit, kept for a resumed one); else the labels."""
        if self.self_conditioning is None:
            self.__dict__.pop("_clusters", None)
            return super()._training_labels(X, y, resume, seed)
        from ._clusters import Clusters
        from ._validation import one_hot

        if resume:
            ids = self._clusters.assign(X)
        else:
            k = self.self_conditioning
            clusters, ids = Clusters.fit(X, k, seed)
            self._clusters, self.classes_ = clusters, np.arange(k)
            self.class_prior_ = np.bincount(ids, minlength=k) / len(ids)
        return one_hot(ids, len(self.classes_))

    def _extra_state(self):
        """The self-conditioning clusters, when there are any."""
        if "_clusters" not in self.__dict__:
            return None
        if self._fitted_clusters() != self.self_conditioning:
            raise ValueError(
                f"self_conditioning was changed after fitting (fitted with "
                f"{self._fitted_clusters()} clusters): set it back before saving."
            )
        return {"kind": "clusters"}, self._clusters.state()

    def _set_extra_state(self, meta, arrays):
        from ._clusters import Clusters

        if meta != {"kind": "clusters"} or self.self_conditioning is None:
            raise ValueError("extra state holds no self-conditioning clusters of this model")
        clusters = Clusters.from_state(arrays)
        k, d = self.self_conditioning, clusters.components.shape[0]
        if (clusters.centers.shape != (k, d) or clusters.mean.shape != (self.n_features_in_,)
                or clusters.components.shape != (d, self.n_features_in_)
                or len(self.__dict__.get("classes_", ())) != k):
            raise ValueError("the self-conditioning clusters disagree with the parameters")
        self._clusters = clusters

    def _validation_score(self, X, X_val, labels_val):
        """``("val_frechet_distance", score)``: samples against held-out rows."""
        from ._early_stopping import feature_extractor
        from .metrics._scores import frechet_from_features

        extract = feature_extractor(self.validation_features, self.image_shape_, X, self._seed)
        reference = extract(X_val)
        asked = None if labels_val is None else self.classes_[labels_val.argmax(axis=1)]

        def score():
            fake = self.sample(len(X_val), y=asked, random_state=self._seed + 1)
            return frechet_from_features(extract(fake.reshape(len(fake), -1)), reference)

        return "val_frechet_distance", score

    def _learning_rates(self):
        def rate(own):
            return self.learning_rate if own is None else own

        return {"g_optimizer_": rate(self.generator_learning_rate),
                "d_optimizer_": rate(self.discriminator_learning_rate)}

    # -- what BaseGenerator asks of a model ---------------------------------
    def _make_networks(self, seed):
        from . import networks
        from ._distribute import distributed

        k = n_classes(self)
        # under tf.distribute, batch norm sees the global batch, as on one device
        sync = distributed()
        critic = dict(n_classes=k, spectral_norm=bool(self.spectral_norm),
                      output_activation=self._adversarial_loss.output_activation,
                      projection=self._projection)
        if get_architecture(self.architecture).images_as_grids:
            filters = widths(self.conv_filters)

            def generator():
                return networks.build_conv_gan_generator(
                    self.image_shape_, self.latent_dim, self._generator_filters, seed,
                    n_classes=k, synchronized=sync)

            discriminator = networks.build_conv_gan_discriminator(
                self.image_shape_, filters, seed, **critic)
        else:
            def generator():
                return networks.build_gan_generator(
                    self.n_features_in_, self.latent_dim, widths(self.generator_units), seed,
                    n_classes=k, synchronized=sync)

            discriminator = networks.build_gan_discriminator(
                self.n_features_in_, widths(self.discriminator_units), seed, **critic)
        nets = {"generator_": generator(), "discriminator_": discriminator}
        if self.ema is not None:  # starts as a copy of the generator
            nets["generator_ema_"] = generator()
        return nets

    def _make_optimizers(self):
        from ._optimizers import make_adam

        return {name: make_adam(self.architecture, self.learning_rate, self.beta_1, self.beta_2)
                for name in self._optimizer_networks}

    def _make_trainer(self):
        from ._compilation import keras_compile_kwargs
        from ._distribute import distributed
        from ._gan_trainer import GANTrainer

        loss = self._adversarial_loss
        trainer = GANTrainer(
            self.generator_, self.discriminator_, self.latent_dim, self.g_optimizer_,
            self.d_optimizer_, loss, n_classes=n_classes(self), penalty_weight=self.gp_weight,
            n_critic=loss.default_n_critic if self.n_critic is None else self.n_critic,
            ema_generator=self.__dict__.get("generator_ema_"), ema=self.ema,
            penalty_interval=self.gp_interval,
            # spectral normalisation's power iteration runs on every call
            share_discriminator_call=(
                get_architecture(self.architecture).shares_discriminator_call
                and not self.spectral_norm),
        )
        trainer.compile(**keras_compile_kwargs(self.architecture, distributed()))
        return trainer

    def _decode(self, z, labels=None):
        from ._inference import infer

        generator = self.__dict__.get("generator_ema_", self.generator_)
        images = infer(generator, z, labels) * 0.5  # tanh: [-1, 1]
        images += 0.5
        return np.clip(images, 0.0, 1.0, out=images)
