"""Saving and loading fitted estimators without pickle.

A saved model is a zip archive holding

* ``mnistgen.json``: the format name and version, the estimator's class and
  parameters, and its fitted attributes (image shape, history, ...);
* one Keras ``.keras`` file per network (for example ``encoder_.keras``);
* one ``.npz`` file of optimizer state per optimizer, so that training can
  resume exactly where it stopped.

Loading reads JSON, Keras files (with Keras's ``safe_mode``) and NumPy arrays
with ``allow_pickle=False``: no code stored in a file is ever run.

This module owns the format and the estimator state written in it (the same
state pickling carries). It imports no estimator: each estimator class
registers itself here (:func:`register`), and :func:`load` finds the class
that a file names.
"""
import io
import json
import numbers
import os
import tempfile
import zipfile
import zlib

import numpy as np

__all__ = ["load", "save", "register", "export_state", "import_state", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "mnistgen"
#: Version 2 adds a fitted latent sampler (``extra``); files without one
#: are still written as version 1, which every mnistgen reads.
FORMAT_VERSION = 2
_META = "mnistgen.json"


# --------------------------------------------------------------------------
# Keras networks and optimizers <-> bytes
# --------------------------------------------------------------------------
def network_to_bytes(model):
    """Serialise a Keras model to the bytes of a ``.keras`` file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as fh:
            return fh.read()


def network_from_bytes(data, source="<bytes>"):
    """Rebuild a Keras model from ``.keras`` bytes (``safe_mode=True``)."""
    from ._backend import get_keras

    keras = get_keras()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            return keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as exc:  # Keras raises many types for bad files
            raise ValueError(
                f"{source}: could not read a Keras network from it: {exc}"
            ) from exc


def optimizer_to_state(optimizer):
    """Return ``(config, arrays)`` describing a Keras optimizer completely."""
    from ._backend import get_keras

    keras = get_keras()
    config = keras.optimizers.serialize(optimizer)
    arrays = [np.asarray(v.numpy()) for v in optimizer.variables]
    return config, arrays


def optimizer_from_state(config, arrays, variables, source="<state>"):
    """Rebuild a Keras optimizer for ``variables`` and restore its state."""
    from ._backend import get_keras

    keras = get_keras()
    try:
        optimizer = keras.optimizers.deserialize(config)
    except Exception as exc:
        raise ValueError(f"{source}: bad optimizer configuration: {exc}") from exc
    optimizer.build(variables)
    if len(arrays) != len(optimizer.variables):
        raise ValueError(
            f"{source}: the optimizer state has {len(arrays)} arrays but the "
            f"networks need {len(optimizer.variables)}: the file's arrays "
            "disagree with its parameters."
        )
    for var, value in zip(optimizer.variables, arrays):
        if tuple(var.shape) != tuple(np.shape(value)):
            raise ValueError(
                f"{source}: optimizer array for {var.path} has shape "
                f"{np.shape(value)}, expected {tuple(var.shape)}: the file's "
                "arrays disagree with its parameters."
            )
        var.assign(value)
    return optimizer


def _arrays_to_npz(arrays):
    buf = io.BytesIO()
    np.savez(buf, *arrays)
    return buf.getvalue()


def _named_npz(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _arrays_from_npz(data, source):
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return [npz[f"arr_{i}"] for i in range(len(npz.files))]
    except Exception as exc:
        raise ValueError(f"{source}: unreadable optimizer state: {exc}") from exc


# --------------------------------------------------------------------------
# Estimator classes, by the name a file gives
# --------------------------------------------------------------------------
_ESTIMATORS = {}


def register(cls):
    """Make ``cls`` loadable by its name (every estimator class registers itself)."""
    _ESTIMATORS[cls.__name__] = cls
    return cls


# --------------------------------------------------------------------------
# The fitted state of an estimator <-> JSON and named byte blobs
# --------------------------------------------------------------------------
def _json_params(estimator):
    """Parameters as JSON values (callbacks, strategies and RandomState are dropped)."""
    params = estimator.get_params(deep=False)
    params["callbacks"] = None
    params["distribute_strategy"] = None
    if "latent_sampler" in params:  # an object: saved with the fitted state (export_state)
        params["latent_sampler"] = None
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


def _json_attributes(est):
    attrs = {
        "n_features_in_": est.n_features_in_,
        "image_shape_": list(est.image_shape_),
        "row_shape": list(est._row_shape),
        "seed": est._seed,
        "n_iter_": est.n_iter_,
        "history_": est.history_,
    }
    if hasattr(est, "best_epoch_"):
        attrs["best_epoch_"] = est.best_epoch_
        attrs["best_validation_score_"] = float(est.best_validation_score_)
    from ._labels import n_classes

    if n_classes(est):
        attrs["classes_"] = [int(c) for c in est.classes_]
        attrs["class_prior_"] = [float(p) for p in est.class_prior_]
    return attrs


def _set_json_attributes(est, attrs):
    est.n_features_in_ = int(attrs["n_features_in_"])
    est.image_shape_ = tuple(int(s) for s in attrs["image_shape_"])
    est._row_shape = tuple(int(s) for s in attrs["row_shape"])
    if int(np.prod(est.image_shape_)) != est.n_features_in_ or int(
        np.prod(est._row_shape)
    ) != est.n_features_in_:
        raise ValueError("image_shape_ disagrees with n_features_in_")
    est._seed = int(attrs["seed"])
    est.n_iter_ = int(attrs["n_iter_"])
    est.history_ = {k: [float(v) for v in vals] for k, vals in attrs["history_"].items()}
    if "best_epoch_" in attrs:
        est.best_epoch_ = None if attrs["best_epoch_"] is None else int(attrs["best_epoch_"])
        est.best_validation_score_ = float(attrs["best_validation_score_"])
    if not est.conditional:
        return
    est.classes_ = np.asarray(attrs["classes_"], dtype=np.int64)
    est.class_prior_ = np.asarray(attrs["class_prior_"], dtype=np.float64)
    if (
        est.classes_.ndim != 1
        or len(est.classes_) == 0
        or est.class_prior_.shape != est.classes_.shape
        or np.any(np.diff(est.classes_) <= 0)
    ):
        raise ValueError("classes_ and class_prior_ are inconsistent")


def _check_networks(est, source):
    """Check that loaded networks are what the parameters build."""
    reference = est._make_networks(0)
    for name in est._network_attributes:
        found = [tuple(w.shape) for w in getattr(est, name).weights]
        expected = [tuple(w.shape) for w in reference[name].weights]
        if found != expected:
            raise ValueError(
                f"{source}: network {name} has weights of shapes {found}, "
                f"but the saved parameters build {expected}: the file's "
                "arrays disagree with its parameters."
            )


def export_state(estimator):
    """Return ``(meta, files)``: JSON-able fitted state and named byte blobs.

    ``meta`` holds the fitted attributes; ``files`` maps archive names to the
    bytes of each network (``.keras``) and optimizer (``.npz``).
    """
    meta = {"attributes": _json_attributes(estimator), "networks": {}, "optimizers": {}}
    files = {}
    for name in estimator._network_attributes:
        fname = f"{name}.keras"
        files[fname] = network_to_bytes(getattr(estimator, name))
        meta["networks"][name] = fname
    for name in estimator._optimizer_networks:
        config, arrays = optimizer_to_state(getattr(estimator, name))
        fname = f"{name}.npz"
        files[fname] = _arrays_to_npz(arrays)
        meta["optimizers"][name] = {"config": config, "file": fname}
    extra = estimator._extra_state()
    if extra is not None:
        meta["extra"], files["extra.npz"] = extra[0], _named_npz(extra[1])
    return meta, files


def import_state(estimator, meta, files, source="<state>"):
    """Restore what :func:`export_state` returned onto ``estimator``."""
    try:
        _set_json_attributes(estimator, meta["attributes"])
        for name, fname in meta["networks"].items():
            if name not in estimator._network_attributes:
                raise ValueError(f"unknown network {name!r}")
            setattr(estimator, name, network_from_bytes(files[fname], f"{source} ({fname})"))
        missing = set(estimator._network_attributes) - set(meta["networks"])
        if missing:
            raise ValueError(f"networks missing: {sorted(missing)}")
        _check_networks(estimator, source)
        for name, spec in meta["optimizers"].items():
            if name not in estimator._optimizer_networks:
                raise ValueError(f"unknown optimizer {name!r}")
            arrays = _arrays_from_npz(files[spec["file"]], f"{source} ({spec['file']})")
            setattr(
                estimator,
                name,
                optimizer_from_state(
                    spec["config"], arrays, estimator._optimizer_variables(name), source
                ),
            )
        if "extra" in meta:  # format version 2: a fitted latent sampler
            with np.load(io.BytesIO(files["extra.npz"]), allow_pickle=False) as npz:
                estimator._set_extra_state(meta["extra"], {k: npz[k] for k in npz.files})
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{source}: the model file is incomplete or inconsistent ({exc!r})."
        ) from exc
    return estimator


def save(estimator, path):
    """Save a fitted estimator to ``path`` (a zip archive, see module docs).

    The file is first written next to ``path`` under a temporary name and
    then renamed over it, so a crash while saving never destroys an earlier
    file at ``path``.

    Parameters
    ----------
    estimator : VAEGenerator or GANGenerator
        A fitted estimator.
    path : str or path-like
        Destination file. The extension is free; ``.mnistgen`` is usual.

    Returns
    -------
    path : str
        The path written.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = os.fspath(path)
    meta, files = export_state(estimator)
    meta.update(
        format=FORMAT_NAME,
        format_version=2 if "extra" in meta else 1,
        estimator=type(estimator).__name__,
        params=_json_params(estimator),
    )
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".mnistgen-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_META, json.dumps(meta, indent=1))
                for fname, data in files.items():
                    zf.writestr(fname, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _read_archive(path):
    """Read ``(meta, files)`` from a model file; check its format and class."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _META not in names:
                raise ValueError(
                    f"{path!r} is not a mnistgen model file: it is a zip "
                    f"archive without {_META}."
                )
            meta = json.loads(zf.read(_META).decode("utf-8"))
            _check_header(meta, path)
            files = {name: zf.read(name) for name in names if name != _META}
    except (zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(
            f"{path!r} is not a readable mnistgen model file (truncated, "
            f"corrupted or another kind of file): {exc}"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path!r}: corrupted {_META}: {exc}") from exc
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path!r} could not be read: {exc}") from exc
    return meta, files


def _check_header(meta, path):
    """Check the format name and version, and that the estimator class is known."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ValueError(f"{path!r} is not a mnistgen model file.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{path!r}: invalid format version {version!r}.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} was written in mnistgen file format version "
            f"{version}; this mnistgen reads versions up to "
            f"{FORMAT_VERSION}. Upgrade mnistgen to load it."
        )
    if meta.get("estimator") not in _ESTIMATORS:
        raise ValueError(
            f"{path!r}: unknown estimator {meta.get('estimator')!r}; "
            f"expected one of {sorted(_ESTIMATORS)}."
        )


#: Parameters added after a file may have been written whose default is not
#: what such a file's networks were built with: a file without one of them
#: gets the value that describes its networks, not today's default.
_BEFORE_THEY_EXISTED = {"VAEGenerator": {"conv_dense_units": ()}}


def load(path):
    """Load an estimator written by ``save``.

    Parameters
    ----------
    path : str or path-like
        A file written by :meth:`VAEGenerator.save` or
        :meth:`GANGenerator.save`.

    Returns
    -------
    estimator : VAEGenerator or GANGenerator
        The fitted estimator, with its networks, optimizer state, history and
        parameters.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupted, of another kind, written by a
        newer format version, or its arrays disagree with its parameters.
        The message names the file.

    Examples
    --------
    >>> import numpy as np, mnistgen, tempfile, os
    >>> X = np.random.default_rng(0).random((64, 8, 8), dtype=np.float32)
    >>> vae = mnistgen.VAEGenerator(epochs=1, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "vae.mnistgen")
    >>> _ = vae.save(path)
    >>> again = mnistgen.load(path)
    >>> bool(np.array_equal(again.sample(4), vae.sample(4)))
    True
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No mnistgen model file at {path!r}.")
    meta, files = _read_archive(path)
    try:
        # JSON has no tuples: layer widths come back as the tuples they were
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["params"].items()}
        for name, value in _BEFORE_THEY_EXISTED.get(meta["estimator"], {}).items():
            params.setdefault(name, value)
        estimator = _ESTIMATORS[meta["estimator"]](**params)
        estimator._validate_params()
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path!r}: bad parameters in {_META}: {exc}") from exc
    return import_state(estimator, meta, files, source=repr(path))
