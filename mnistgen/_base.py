"""The scikit-learn plumbing shared by both generators.

:class:`BaseGenerator` holds what does not depend on the model: ``fit`` and
``partial_fit`` (one ``_fit`` behind both), ``warm_start``, seeding, batched
sampling, pickling, ``save`` and ``clone``. A subclass declares its
parameters' constraints and its fitted networks, and says how to build them
(:mod:`mnistgen.networks`), which trainer trains them and how latent codes
become images. Training itself is :mod:`mnistgen._fit_loop` over the input
pipeline of :mod:`mnistgen._pipeline`; saving is :mod:`mnistgen.persistence`.
"""
import abc

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import persistence
from ._architectures import get_architecture
from ._labels import sample_labels, training_labels
from ._presets import PresetMixin
from ._params import widths
from ._precision import dtype_policy_scope
from ._validation import check_conv_shape, check_images, check_n_samples

__all__ = ["BaseGenerator"]


class BaseGenerator(PresetMixin, BaseEstimator, metaclass=abc.ABCMeta):
    """Base class of the Keras-backed generative estimators: use
    :class:`mnistgen.VAEGenerator` or :class:`mnistgen.GANGenerator`. A
    subclass implements the abstract hooks; the others have defaults."""

    #: Names of the fitted Keras networks, saved as ``.keras`` files.
    _network_attributes = ()
    #: Each fitted Keras optimizer and the networks whose weights it updates.
    _optimizer_networks = {}
    #: The model-file format version that introduced this estimator's extra state.
    _extra_state_version = 2

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        persistence.register(cls)

    # -- hooks for subclasses ------------------------------------------------
    @abc.abstractmethod
    def _make_networks(self, seed):
        """Return ``{attribute: keras.Model}`` for the fitted data shape."""

    @abc.abstractmethod
    def _make_optimizers(self):
        """Return ``{attribute: keras optimizer}``, not yet built."""

    @abc.abstractmethod
    def _make_trainer(self):
        """Return a compiled :class:`mnistgen._trainer.Trainer`."""

    @abc.abstractmethod
    def _decode(self, z, labels=None):
        """Map float32 latent codes (and one-hot labels) to flat images in [0, 1]."""

    @abc.abstractmethod
    def _validation_score(self, X, X_val, labels_val):
        """``(name, score)``: ``score()`` rates the model on ``X_val`` (lower is better)."""

    def _check_combination(self, resume):
        """Raise for parameters that make no sense together (each valid alone)."""

    @property
    def _trains_on_labels(self):  # the networks take labels; classes_ is fitted
        return bool(self.conditional)

    def _training_labels(self, X, y, resume, seed):
        """One-hot labels of the training rows ``X`` (None: unconditional)."""
        return training_labels(self, y, X.shape[0], resume)

    def _after_training(self, X, labels):
        """Called at the end of ``fit`` and ``partial_fit`` with the training rows."""

    def _latents(self, n_samples, labels, rng):
        """Latent codes to decode in ``sample``: the N(0, I) prior."""
        return rng.standard_normal((n_samples, self.latent_dim)).astype(np.float32)

    def _extra_state(self):
        """``(JSON-able dict, {name: array})`` of fitted state beyond the networks, or None."""
        return None

    def _set_extra_state(self, meta, arrays):
        """Restore what :meth:`_extra_state` returned (when loading a file)."""
        raise ValueError(f"a {type(self).__name__} keeps no fitted state beyond its networks")

    # -- scikit-learn API ----------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_iter_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = bool(self.conditional)
        tags.input_tags.positive_only = True
        tags.non_deterministic = self.random_state is None
        return tags

    def __sklearn_clone__(self):
        """Clone the parameters, sharing ``distribute_strategy`` (devices, not
        state; it cannot be deep-copied); the others as :func:`~sklearn.base.clone`."""
        params = self.get_params(deep=False)
        strategy = params.pop("distribute_strategy", None)
        params = {key: clone(value, safe=False) for key, value in params.items()}
        return type(self)(distribute_strategy=strategy, **params)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the model on images ``X`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Training images: uint8 (or other integers) in 0-255, or floats
            in [0, 1].
        y : array-like of shape (n_samples,) of int, default=None
            Class labels, required when ``conditional=True`` (any integers;
            ``classes_`` records the distinct ones). Ignored when
            ``conditional=False``, so that the estimator fits in a
            :class:`~sklearn.pipeline.Pipeline`.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, self.epochs, resume=self.warm_start, validate=self.early_stopping)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one more epoch on ``X``, starting from the current weights.

        The first call on an unfitted estimator builds the networks.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, H*W)
            Training images, as in :meth:`fit`.
        y : array-like of shape (n_samples,) of int, default=None
            Class labels, required when ``conditional=True`` (the first
            call fixes ``classes_``; later calls may only use those
            labels). Ignored otherwise.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._fit(X, y, 1, resume=True)

    def sample(self, n_samples=1, y=None, random_state=None):
        """Generate new images.

        Parameters
        ----------
        n_samples : int, default=1
            Number of images to generate.
        y : int or array-like of shape (n_samples,) of int, default=None
            Only for a conditional model (``conditional=True``): the class
            of each image, one of ``classes_``; a single label is used for
            all images. ``None`` draws the classes at random in the
            proportions of the training labels (``class_prior_``), seeded
            by ``random_state``. An unconditional model raises a
            ``ValueError`` when ``y`` is given.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent noise. ``None`` uses the estimator's
            ``random_state`` (as :meth:`sklearn.mixture.GaussianMixture.sample`
            does): with an int ``random_state`` every call returns the same
            images; pass different seeds to get different ones.

        Returns
        -------
        images : ndarray of shape (n_samples, *image row shape), dtype float32
            Values in [0, 1], each image shaped like one row of the training
            data (``(n_samples, 28, 28)`` after fitting on ``(n, 28, 28)``).

        Examples
        --------
        >>> import numpy as np
        >>> from mnistgen import VAEGenerator
        >>> X = np.random.default_rng(0).random((60, 8, 8), dtype=np.float32)
        >>> y = np.arange(60) % 3
        >>> cvae = VAEGenerator(conditional=True, epochs=1, random_state=0).fit(X, y)
        >>> cvae.sample(4, y=2).shape
        (4, 8, 8)
        >>> same = cvae.sample(3, y=[0, 1, 2], random_state=1)
        >>> bool(np.array_equal(same, cvae.sample(3, y=[0, 1, 2], random_state=1)))
        True
        """
        from ._inference import CHUNK

        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        labels = sample_labels(self, y, n_samples, rng)
        out = np.empty((n_samples, self.n_features_in_), dtype=np.float32)
        for start in range(0, n_samples, CHUNK):
            stop = min(start + CHUNK, n_samples)
            chunk = None if labels is None else labels[start:stop]
            out[start:stop] = self._decode(self._latents(stop - start, chunk, rng), chunk)
        return self._to_rows(out)

    def save(self, path):
        """Save the fitted estimator to ``path`` without pickle.

        The file is a zip archive of Keras ``.keras`` files, the optimizer
        state and a JSON file of parameters, fitted attributes and format
        version (see :mod:`mnistgen.persistence`). Callbacks are not saved,
        nor is a ``random_state`` given as a ``RandomState`` instance.
        Read it back with :func:`mnistgen.load`.

        Parameters
        ----------
        path : str or path-like
            Destination file, replaced atomically if it exists.

        Returns
        -------
        path : str
            The path written.
        """
        return persistence.save(self, path)

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in ("_trainer", "_strategy_built"):
            state.pop(name, None)
        if state.get("distribute_strategy") is not None:
            state["distribute_strategy"] = None
        if self.__sklearn_is_fitted__():
            for name in self._network_attributes + tuple(self._optimizer_networks):
                state.pop(name, None)
            state["_mnistgen_state"] = persistence.export_state(self)
        return state

    def __setstate__(self, state):
        exported = state.pop("_mnistgen_state", None)
        for name, value in persistence._BEFORE_THEY_EXISTED.get(type(self).__name__, {}).items():
            state.setdefault(name, value)  # pickled before the parameter existed
        super().__setstate__(state)
        if exported is not None:
            meta, files = exported
            persistence.import_state(self, meta, files, source="<pickle>")

    # -- training ------------------------------------------------------------
    def _fit(self, X, y, epochs, resume, validate=False):
        """Train ``epochs`` epochs, from the current state if ``resume`` and fitted.

        With ``validate``, hold out ``validation_fraction`` of the rows and
        stop early on their score (see :mod:`mnistgen._early_stopping`).
        """
        from ._distribute import strategy_scope
        from ._fit_loop import train

        resume = bool(resume) and self.__sklearn_is_fitted__()
        self._check_combination(resume)
        X, image_shape, row_shape = check_images(
            X, image_shape=self.image_shape_ if resume else None
        )
        if get_architecture(self.architecture).images_as_grids and not resume:
            check_conv_shape(image_shape, widths(self.conv_filters))
        seed = self._seed if resume else int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        labels = self._training_labels(X, y, resume, seed)
        with strategy_scope(self.distribute_strategy):
            if not resume:
                self._seed = seed
                self._initialize(image_shape, row_shape)
            monitor = None
            if validate:
                from ._early_stopping import hold_out

                X, labels, monitor = hold_out(self, X, labels)
            train(self, X, labels, epochs, monitor)
        if monitor is not None:
            self.best_epoch_, self.best_validation_score_ = monitor.best_epoch, monitor.best
        self._after_training(X, labels)
        return self

    def _initialize(self, image_shape, row_shape):
        from ._distribute import current_strategy

        self.n_features_in_ = int(np.prod(image_shape))
        self.image_shape_ = tuple(int(s) for s in image_shape)
        self._row_shape = tuple(int(s) for s in row_shape)
        self._build(self._seed)
        self._strategy_built = current_strategy()
        self.history_ = {key: [] for key in self._trainer.log_names}
        self.n_iter_ = 0

    def _build(self, seed):
        """Create the networks, the optimizers (built) and the trainer."""
        with dtype_policy_scope(self.dtype_policy):  # Keras reads it as layers are made
            self.__dict__.update(self._make_networks(seed))
        for name, optimizer in self._make_optimizers().items():
            optimizer.build(self._optimizer_variables(name))
            setattr(self, name, optimizer)
        self._trainer = self._make_trainer()

    def _optimizer_variables(self, name):
        """The variables that the optimizer attribute ``name`` updates."""
        return [v for net in self._optimizer_networks[name]
                for v in getattr(self, net).trainable_variables]

    def _state_variables(self):
        """Every variable that training changes: networks and optimizers."""
        variables = [v for name in self._network_attributes for v in getattr(self, name).weights]
        return variables + [v for name in self._optimizer_networks
                            for v in getattr(self, name).variables]

    def _learning_rates(self):
        """The learning rate of each optimizer (one ``learning_rate`` for all)."""
        return {name: self.learning_rate for name in self._optimizer_networks}

    def _record_epoch(self, logs):
        """Append a finished epoch's logs to ``history_`` and count it."""
        for key, value in logs.items():
            self.history_[key].append(value)
        self.n_iter_ += 1

    def _to_rows(self, flat):
        """Reshape flat images to the layout of one training row."""
        return flat.reshape((flat.shape[0],) + self._row_shape)
