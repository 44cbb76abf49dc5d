"""The scikit-learn plumbing shared by both generators.

:class:`BaseGenerator` holds everything that does not depend on the model:
parameter checks, input validation, seeding, the ``fit`` / ``partial_fit`` /
``warm_start`` logic around a Keras training loop, batched sampling, pickling
and ``save``. Subclasses say which networks they build, how one training step
works (a Keras "trainer" model) and how latent codes become images.
"""
import contextlib
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import (
    check_conv_shape,
    check_images,
    check_labels,
    check_n_samples,
    labels_to_indices,
    one_hot,
    to_unit_float,
)

__all__ = ["BaseGenerator"]

# Rows handed to a network at once when sampling or encoding: large enough to
# keep the matrix multiplies efficient, small enough to bound memory.
_CHUNK = 16384


def _check_int(name, value, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}.")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value}.")
    return int(value)


def _check_float(name, value, low, high, low_open=True, high_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    ok_low = value > low if low_open else value >= low
    ok_high = value < high if high_open else value <= high
    if not (np.isfinite(value) and ok_low and ok_high):
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise ValueError(f"{name} must be a float in {lb}{low}, {high}{rb}, got {value}.")
    return value


def _check_units(name, value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        units = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a tuple of positive ints, got {value!r}."
        ) from None
    if not units:
        raise ValueError(f"{name} must hold at least one layer width, got {value!r}.")
    for u in units:
        _check_int(f"each entry of {name}", u, 1)
    return tuple(int(u) for u in units)


class BaseGenerator(BaseEstimator):
    """Base class of the Keras-backed generative estimators.

    Not meant to be used directly: use :class:`mnistgen.VAEGenerator` or
    :class:`mnistgen.GANGenerator`.
    """

    #: Names of the fitted Keras networks, saved as ``.keras`` files.
    _network_attributes = ()
    #: Names of the fitted Keras optimizers, saved as ``.npz`` state.
    _optimizer_attributes = ()
    #: Keys of ``history_``, in the order Keras reports them.
    _history_keys = ()

    # ------------------------------------------------------------------
    # Hooks for subclasses
    # ------------------------------------------------------------------
    def _check_params(self):
        """Validate hyper-parameters; raise ValueError/TypeError if bad."""
        _check_int("epochs", self.epochs, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("latent_dim", self.latent_dim, 1)
        _check_float("learning_rate", self.learning_rate, 0.0, np.inf)
        if self.verbose not in (0, 1, 2, True, False):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose!r}.")
        if not isinstance(self.warm_start, (bool, np.bool_)):
            raise TypeError(f"warm_start must be a bool, got {self.warm_start!r}.")
        if not (isinstance(self.on_divergence, str) and self.on_divergence in ("raise", "restore")):
            raise ValueError(
                f"on_divergence must be 'raise' or 'restore', got {self.on_divergence!r}."
            )
        if self.callbacks is not None:
            cbs = self.callbacks
            if not isinstance(cbs, (list, tuple)):
                raise TypeError(
                    "callbacks must be None or a list of keras.callbacks.Callback, "
                    f"got {type(cbs).__name__}."
                )
            for cb in cbs:
                if not hasattr(cb, "set_model"):
                    raise TypeError(
                        "callbacks must be keras.callbacks.Callback instances, got "
                        f"{cb!r}."
                    )
        check_random_state(self.random_state)
        if self.distribute_strategy is not None:
            from ._backend import get_tensorflow

            if not isinstance(self.distribute_strategy, get_tensorflow().distribute.Strategy):
                raise TypeError(
                    "distribute_strategy must be None or a tf.distribute.Strategy "
                    f"(such as tf.distribute.MirroredStrategy()), got "
                    f"{self.distribute_strategy!r}."
                )

    def _check_model_options(self):
        """Validate ``architecture``, ``conv_filters`` and ``conditional``."""
        if self.architecture not in ("mlp", "conv"):
            raise ValueError(
                f"architecture must be 'mlp' or 'conv', got {self.architecture!r}."
            )
        _check_units("conv_filters", self.conv_filters)
        if not isinstance(self.conditional, (bool, np.bool_)):
            raise TypeError(f"conditional must be a bool, got {self.conditional!r}.")

    def _n_classes(self):
        """Classes of a fitted conditional model, 0 for an unconditional one.

        Follows the fitted state (``classes_``), not the ``conditional``
        parameter, which ``set_params`` may have changed since.
        """
        return len(self.__dict__.get("classes_", ()))

    def _build(self, n_features, seed):  # pragma: no cover - abstract
        """Create the networks and optimizers as fitted attributes."""
        raise NotImplementedError

    def _make_trainer(self):  # pragma: no cover - abstract
        """Return a compiled ``keras.Model`` whose ``train_step`` trains."""
        raise NotImplementedError

    def _decode(self, z, labels=None):  # pragma: no cover - abstract
        """Map a chunk of float32 latent codes (and one-hot labels) to flat images in [0, 1]."""
        raise NotImplementedError

    def _optimizer_variables(self, name):  # pragma: no cover - abstract
        """The variables the optimizer attribute ``name`` updates."""
        raise NotImplementedError

    def _check_networks(self, source):
        """Check that loaded networks are what the parameters build."""
        reference = type(self)(**self.get_params(deep=False))
        reference._check_params()
        reference.image_shape_ = self.image_shape_
        if self._n_classes():
            reference.classes_ = self.classes_
        reference._build(self.n_features_in_, 0)
        for name in self._network_attributes:
            found = [tuple(w.shape) for w in getattr(self, name).weights]
            expected = [tuple(w.shape) for w in getattr(reference, name).weights]
            if found != expected:
                raise ValueError(
                    f"{source}: network {name} has weights of shapes {found}, "
                    f"but the saved parameters build {expected}: the file's "
                    "arrays disagree with its parameters."
                )

    # ------------------------------------------------------------------
    # scikit-learn API
    # ------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_iter_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = bool(self.conditional)
        tags.input_tags.positive_only = True
        tags.non_deterministic = self.random_state is None
        return tags

    def fit(self, X, y=None):
        """Train the model on images ``X`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, 1) or (n_samples, H*W)
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
        self._check_params()
        resume = self.warm_start and self.__sklearn_is_fitted__()
        X, image_shape, row_shape = check_images(
            X, image_shape=self.image_shape_ if resume else None
        )
        X = self._training_rows(X, y, image_shape, resume)
        with self._strategy_scope():
            if not resume:
                self._initialize(image_shape, row_shape)
            self._train(X, self.epochs)
        return self

    def partial_fit(self, X, y=None):
        """Train one more epoch on ``X``, starting from the current weights.

        The first call on an unfitted estimator builds the networks.

        Parameters
        ----------
        X : array-like of shape (n_samples, H, W), (n_samples, H, W, 1) or (n_samples, H*W)
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
        self._check_params()
        fitted = self.__sklearn_is_fitted__()
        X, image_shape, row_shape = check_images(
            X, image_shape=self.image_shape_ if fitted else None
        )
        X = self._training_rows(X, y, image_shape, fitted)
        with self._strategy_scope():
            if not fitted:
                self._initialize(image_shape, row_shape)
            self._train(X, 1)
        return self

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
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        labels = self._sample_labels(y, n_samples, rng)
        out = np.empty((n_samples, self.n_features_in_), dtype=np.float32)
        for start in range(0, n_samples, _CHUNK):
            stop = min(start + _CHUNK, n_samples)
            z = rng.standard_normal((stop - start, self.latent_dim)).astype(np.float32)
            if labels is None:
                out[start:stop] = self._decode(z)
            else:
                out[start:stop] = self._decode(z, labels[start:stop])
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
        from .persistence import save

        return save(self, path)

    # ------------------------------------------------------------------
    # Internals
    # ------------------------------------------------------------------
    def __sklearn_clone__(self):
        """Clone the parameters, sharing (not copying) ``distribute_strategy``.

        A strategy stands for devices, not for state of the estimator, and
        cannot be deep-copied; every other parameter is cloned as
        :func:`sklearn.base.clone` does.
        """
        params = self.get_params(deep=False)
        strategy = params.pop("distribute_strategy", None)
        params = {key: clone(value, safe=False) for key, value in params.items()}
        return type(self)(distribute_strategy=strategy, **params)

    def _strategy_scope(self):
        """The scope of ``distribute_strategy``, or no change if it is None."""
        if self.distribute_strategy is None:
            return contextlib.nullcontext()
        return self.distribute_strategy.scope()

    def _place(self):
        """Make sure the networks live under the current strategy's scope.

        Networks built (or loaded) under another strategy, or without one,
        are rebuilt in the current scope and given back their weights and
        optimizer state: Keras only trains variables created in the scope
        of the strategy that trains them.
        """
        from ._training import current_strategy

        strategy = current_strategy()
        if self.__dict__.get("_strategy_built") is strategy:
            return
        values = [v.numpy() for v in self._state_variables()]
        self.__dict__.pop("_trainer", None)
        self._build(self.n_features_in_, self._seed)
        for variable, value in zip(self._state_variables(), values):
            variable.assign(value)
        self._strategy_built = strategy

    def _initialize(self, image_shape, row_shape):
        self.__dict__.pop("_trainer", None)
        self.n_features_in_ = int(np.prod(image_shape))
        self.image_shape_ = tuple(int(s) for s in image_shape)
        self._row_shape = tuple(int(s) for s in row_shape)
        self._seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        self.history_ = {key: [] for key in self._history_keys}
        self._build(self.n_features_in_, self._seed)
        from ._training import current_strategy

        self._strategy_built = current_strategy()
        self.n_iter_ = 0

    def _train(self, X, epochs):
        """Run ``epochs`` epochs of Keras ``fit``, extending ``history_``.

        ``history_`` and ``n_iter_`` grow at the end of each completed epoch
        (see :class:`~mnistgen._training.EpochGuard`). If an epoch's loss is
        NaN or infinite, or the user interrupts training (Ctrl-C), the
        weights and optimizer state go back to the end of the last completed
        epoch: a divergence then raises ``FloatingPointError`` (or warns, with
        ``on_divergence="restore"``), an interruption warns and returns.
        """
        from ._training import EpochGuard, distributed, make_dataset, quiet_keras_retracing

        # A fresh, reproducible pair of seeds for each call: the same
        # random_state and data give the same run, and successive calls
        # (partial_fit, warm_start) do not repeat one another's shuffles.
        shuffle_seed, noise_seed = np.random.SeedSequence(
            [self._seed, self.n_iter_]
        ).generate_state(2)
        self._place()
        trainer = self.__dict__.get("_trainer")
        if trainer is None:
            trainer = self._trainer = self._make_trainer()
        for name in self._optimizer_attributes:
            getattr(self, name).learning_rate = self.learning_rate
        # Under a distribution strategy Keras splits each mini-batch across
        # the replicas; on one device, groups of mini-batches go to one
        # compiled call.
        dataset, steps_per_epoch = make_dataset(
            X, self.batch_size, int(shuffle_seed) % (2**31 - 1), self.latent_dim, epochs=epochs,
            noise_seed=int(noise_seed) % (2**31 - 1), grouped=not distributed(),
        )
        guard = EpochGuard(self, self._state_variables())
        callbacks = [guard] + list(self.callbacks or [])
        for callback in callbacks[1:]:
            if hasattr(callback, "set_estimator"):
                callback.set_estimator(self)
        try:
            with quiet_keras_retracing():
                trainer.fit(
                    dataset,
                    epochs=epochs,
                    steps_per_epoch=steps_per_epoch,  # one pass over all epochs
                    verbose=int(self.verbose),
                    shuffle=False,  # make_dataset shuffles, seeded
                    callbacks=callbacks,
                )
        except KeyboardInterrupt:
            guard.restore()
            self.__dict__.pop("_trainer", None)
            warnings.warn(
                f"Training was interrupted (KeyboardInterrupt) during epoch "
                f"{self.n_iter_ + 1}. The estimator keeps the weights, optimizer "
                f"state and history_ of the {self.n_iter_} epoch(s) completed; "
                "call partial_fit, or fit with warm_start=True, to continue.",
                UserWarning,
                stacklevel=3,
            )
            return
        if guard.diverged is not None:
            guard.restore()
            epoch, key, value = guard.diverged
            message = (
                f"Training diverged: the loss '{key}' was {value} in epoch "
                f"{epoch}. The weights and optimizer state were restored to the "
                f"end of epoch {self.n_iter_}, the last with finite losses, and "
                "history_ stops there. Try a smaller learning_rate."
            )
            if self.on_divergence == "raise":
                raise FloatingPointError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    def _state_variables(self):
        """Every variable that training changes: networks and optimizers."""
        variables = []
        for name in self._network_attributes:
            variables.extend(getattr(self, name).weights)
        for name in self._optimizer_attributes:
            variables.extend(getattr(self, name).variables)
        return variables

    def _to_rows(self, flat):
        """Reshape flat images to the layout of one training row."""
        return flat.reshape((flat.shape[0],) + self._row_shape)

    def _map_chunks(self, fn, X, n_out, labels=None, dtype=np.float32):
        """Apply ``fn(rows, labels)`` to row chunks of ``X`` (and ``labels``).

        ``labels`` (one-hot rows aligned with ``X``, or None) is sliced like
        ``X``. Returns an (n, n_out) array.
        """
        out = np.empty((X.shape[0], n_out), dtype=dtype)
        for start in range(0, X.shape[0], _CHUNK):
            stop = min(start + _CHUNK, X.shape[0])
            out[start:stop] = fn(X[start:stop], None if labels is None else labels[start:stop])
        return out

    def _map_image_chunks(self, fn, X, n_out, y=None, method=None, dtype=np.float32):
        """Validate images ``X`` and apply ``fn(x, labels)`` chunk by chunk.

        ``x`` is a float32 chunk of flat images in [0, 1]; ``labels`` the
        chunk's one-hot labels for a conditional model (``y`` is then
        required by ``method``), else None. Pixel values are checked and
        scaled one chunk at a time, so that encoding a large uint8 array
        never holds a float copy of all of it.
        """
        check_is_fitted(self)
        flat, _, _ = check_images(X, image_shape=self.image_shape_, convert=False)
        labels = self._one_hot_of(y, flat.shape[0], method)
        return self._map_chunks(
            lambda rows, chunk_labels: fn(to_unit_float(rows), chunk_labels),
            flat, n_out, labels=labels, dtype=dtype,
        )

    def _json_params(self):
        """Parameters as JSON values (callbacks and RandomState are dropped)."""
        params = self.get_params(deep=False)
        params["callbacks"] = None
        params["distribute_strategy"] = None
        if not (params["random_state"] is None or isinstance(params["random_state"], numbers.Integral)):
            params["random_state"] = None
        out = {}
        for key, value in params.items():
            if isinstance(value, tuple):
                value = list(value)
            if isinstance(value, np.generic):
                value = value.item()
            out[key] = value
        return out

    def _json_attributes(self):
        return {
            "n_features_in_": self.n_features_in_,
            "image_shape_": list(self.image_shape_),
            "row_shape": list(self._row_shape),
            "seed": self._seed,
            "n_iter_": self.n_iter_,
            "history_": self.history_,
            **self._label_attributes(),
        }

    def _set_json_attributes(self, attrs):
        self.n_features_in_ = int(attrs["n_features_in_"])
        self.image_shape_ = tuple(int(s) for s in attrs["image_shape_"])
        self._row_shape = tuple(int(s) for s in attrs["row_shape"])
        if int(np.prod(self.image_shape_)) != self.n_features_in_ or int(
            np.prod(self._row_shape)
        ) != self.n_features_in_:
            raise ValueError("image_shape_ disagrees with n_features_in_")
        self._seed = int(attrs["seed"])
        self.n_iter_ = int(attrs["n_iter_"])
        self.history_ = {k: [float(v) for v in vals] for k, vals in attrs["history_"].items()}
        self._set_label_attributes(attrs)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_trainer", None)
        state.pop("_strategy_built", None)
        if state.get("distribute_strategy") is not None:
            state["distribute_strategy"] = None
        if self.__sklearn_is_fitted__():
            from .persistence import export_state

            for name in self._network_attributes + self._optimizer_attributes:
                state.pop(name, None)
            state["_mnistgen_state"] = export_state(self)
        return state

    def __setstate__(self, state):
        exported = state.pop("_mnistgen_state", None)
        super().__setstate__(state)
        if exported is not None:
            from .persistence import import_state

            meta, files = exported
            import_state(self, meta, files, source="<pickle>")

    # ------------------------------------------------------------------
    # Class labels of conditional models
    # ------------------------------------------------------------------
    def _training_rows(self, X, y, image_shape, fitted):
        """Check the labels and the conv image size; return the rows to train on.

        For a conditional model the one-hot labels are appended to each
        flat image row (the trainers split them off again), so the input
        pipeline is the same for both kinds of model. For an unconditional
        model ``y`` is ignored and ``X`` returned unchanged.
        """
        if self.architecture == "conv" and not fitted:
            check_conv_shape(image_shape, _check_units("conv_filters", self.conv_filters))
        if fitted and hasattr(self, "classes_") != bool(self.conditional):
            raise ValueError(
                "conditional was changed after fitting; a warm-started fit or "
                "partial_fit cannot turn a fitted model conditional or "
                "unconditional. Fit a fresh estimator (warm_start=False)."
            )
        if not self.conditional:
            if not fitted:
                for name in ("classes_", "class_prior_"):
                    self.__dict__.pop(name, None)
            return X
        labels = check_labels(y, X.shape[0])
        if fitted:
            indices = labels_to_indices(labels, self.classes_)
        else:
            self.classes_, indices = np.unique(labels, return_inverse=True)
            counts = np.bincount(indices, minlength=len(self.classes_))
            self.class_prior_ = counts / counts.sum()
        return np.hstack([X, one_hot(indices, len(self.classes_))])

    def _sample_labels(self, y, n_samples, rng):
        """One-hot labels of the images to sample, or None if unconditional."""
        if not self._n_classes():
            if y is not None:
                raise ValueError(
                    f"y was given, but this {type(self).__name__} is not "
                    "conditional (it was fitted with conditional=False): it "
                    "cannot generate a chosen class. Fit it with "
                    "conditional=True and labels."
                )
            return None
        if y is None:
            indices = rng.choice(len(self.classes_), size=n_samples, p=self.class_prior_)
        else:
            indices = labels_to_indices(check_labels(y, n_samples), self.classes_)
        return one_hot(indices, len(self.classes_))

    def _one_hot_of(self, y, n_samples, required_by):
        """One-hot rows of labels given to a method of a conditional model.

        Returns None for an unconditional model (which ignores ``y``).
        """
        if not self._n_classes():
            return None
        if y is None:
            raise ValueError(
                f"{required_by} of a conditional {type(self).__name__} needs the "
                "class label of each row: pass y (one of classes_ = "
                f"{self.classes_.tolist()} per row)."
            )
        indices = labels_to_indices(check_labels(y, n_samples), self.classes_)
        return one_hot(indices, len(self.classes_))

    def _label_attributes(self):
        if not self._n_classes():
            return {}
        return {
            "classes_": [int(c) for c in self.classes_],
            "class_prior_": [float(p) for p in self.class_prior_],
        }

    def _set_label_attributes(self, attrs):
        if not self.conditional:
            return
        self.classes_ = np.asarray(attrs["classes_"], dtype=np.int64)
        self.class_prior_ = np.asarray(attrs["class_prior_"], dtype=np.float64)
        if (
            self.classes_.ndim != 1
            or len(self.classes_) == 0
            or self.class_prior_.shape != self.classes_.shape
            or np.any(np.diff(self.classes_) <= 0)
        ):
            raise ValueError("classes_ and class_prior_ are inconsistent")

