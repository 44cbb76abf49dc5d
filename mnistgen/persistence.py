"""Saving and loading fitted estimators without pickle.

A saved model is a zip archive holding

* ``mnistgen.json``: the format name and version, the estimator's class and
  parameters, and its fitted attributes (image shape, history, ...);
* one Keras ``.keras`` file per network (for example ``encoder_.keras``);
* one ``.npz`` file of optimizer state per optimizer, so that training can
  resume exactly where it stopped.

Loading reads JSON, Keras files (with Keras's ``safe_mode``) and NumPy arrays
with ``allow_pickle=False``: no code stored in a file is ever run. It reads
only the members that ``mnistgen.json`` names, each after checking the size
the archive declares for it against a bound that the file's own parameters
set (:mod:`mnistgen._sizes` counts the weights they imply without building
anything); other members are ignored unread. The bounds are below; the page
"Reliability" of the documentation says what they protect against and what
they do not.

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
from collections import Counter, namedtuple

import numpy as np

from ._priors import REPORT_PRIOR
from ._sizes import count, describe, network_weights, product

__all__ = ["load", "save", "register", "export_state", "import_state", "FORMAT_NAME", "FORMAT_VERSION",
           "MAX_HEADER_BYTES", "MAX_PARAMETERS", "MAX_SAMPLER_BYTES"]

FORMAT_NAME = "mnistgen"
#: Version 2 adds a VAE's fitted latent sampler (``extra``), version 3 a
#: self-conditioned GAN's clusters (``extra`` too); a file is written in the
#: oldest version that holds it (``_extra_state_version`` of its estimator
#: when it has extra state, else 1), so older mnistgen read it where they can.
FORMAT_VERSION = 3
_META = "mnistgen.json"

#: Largest ``mnistgen.json`` that :func:`load` reads, in bytes (16 MiB): the
#: parameters, fitted attributes and ``history_``, a few dozen bytes per
#: epoch and logged value.
MAX_HEADER_BYTES = 16 * 2**20
# JSON objects and arrays a header may hold: a few dozen in a model's
# header (more for a latent sampler's initial means), and each costs Python
# tens of bytes for its two characters.
_MAX_HEADER_CONTAINERS = 2**18
#: Most network weights (numbers, all networks of a model together) that
#: the parameters of a file :func:`load` reads may imply: 2**30, about 1.07
#: billion, 4 GiB as float32.
MAX_PARAMETERS = 2**30
#: Largest fitted latent sampler (``extra.npz``: the training latents that
#: :func:`load` fits it on again) that :func:`load` reads, in bytes (512 MiB).
MAX_SAMPLER_BYTES = 2**29

# How large a member may be, packed and unpacked, for the numbers and arrays
# its parameters imply. At most 8 bytes a number: Keras stores float32 and
# keeps a spectrally normalised kernel twice (under the layer and under its
# wrapper); at least 2 (half precision, the narrowest float a network has).
_MOST_BYTES_PER_NUMBER = 8
_LEAST_BYTES_PER_NUMBER = 2
_BYTES_PER_ARRAY = 16 * 2**10  # HDF5 and .npy headers, the layer's configuration
_BYTES_PER_MEMBER = 2**20  # Keras's configuration and metadata, the archive's own records
# Arrays an optimizer keeps per trainable array: Adam's two moments, and at
# most three more (AMSGrad's maximum, an averaged copy, a gradient
# accumulator); plus a few scalars (step count, learning rate).
_OPTIMIZER_SLOTS = 5
_OPTIMIZER_SCALARS = 8


def _most_bytes(numbers, arrays):
    """The largest a member holding ``numbers`` numbers in ``arrays`` arrays may be."""
    return _MOST_BYTES_PER_NUMBER * numbers + _BYTES_PER_ARRAY * arrays + _BYTES_PER_MEMBER


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
    from . import _activations, _mixture_prior, _normalization, _projection, _subpixel  # noqa: F401
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
    from . import _optimizers  # noqa: F401  FusedAdam
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
    if min(est.image_shape_ + est._row_shape + (est.n_features_in_,)) < 1:
        raise ValueError("image_shape_, row_shape and n_features_in_ must be positive")
    if product(est.image_shape_) != est.n_features_in_ or product(est._row_shape) != est.n_features_in_:
        raise ValueError("image_shape_ disagrees with n_features_in_")
    est._seed = int(attrs["seed"])
    est.n_iter_ = int(attrs["n_iter_"])
    est.history_ = {k: [float(v) for v in vals] for k, vals in attrs["history_"].items()}
    if "best_epoch_" in attrs:
        est.best_epoch_ = None if attrs["best_epoch_"] is None else int(attrs["best_epoch_"])
        est.best_validation_score_ = float(attrs["best_validation_score_"])
    if not est._trains_on_labels:
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
        if "extra" in meta:  # format version 2 or 3: a latent sampler, clusters
            with np.load(io.BytesIO(files["extra.npz"]), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            try:
                estimator._set_extra_state(meta["extra"], arrays)
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from exc
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

    Raises
    ------
    ValueError
        If :func:`load` would refuse the file: networks of more than
        :data:`MAX_PARAMETERS` weights, a ``history_`` too long for
        :data:`MAX_HEADER_BYTES`, a latent sampler beyond
        :data:`MAX_SAMPLER_BYTES`. Nothing is written; pickling keeps such
        an estimator.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = os.fspath(path)
    meta, files = export_state(estimator)
    meta.update(
        format=FORMAT_NAME,
        format_version=estimator._extra_state_version if "extra" in meta else 1,
        estimator=type(estimator).__name__,
        params=_json_params(estimator),
    )
    header = json.dumps(meta, indent=1).encode("utf-8")
    _check_loadable(estimator, meta, header, files, repr(path))
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".mnistgen-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_META, header)
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


def _check_loadable(estimator, meta, header, files, source):
    """Raise if :func:`load` would refuse the file of ``meta``, ``header`` and ``files``."""
    try:
        _check_header_size(len(header), source)
        _check_header_containers(header, source)
        for fname, member in _members(estimator, meta, source).items():
            _check_declared(fname, len(files[fname]), member, source)
    except ValueError as exc:
        raise ValueError(
            f"{exc} Nothing was written: save() does not write a file that "
            "mnistgen.load would refuse; pickle the estimator (joblib.dump) to keep it."
        ) from exc


# --------------------------------------------------------------------------
# Reading a file that may be hostile: sizes checked before anything is read
# --------------------------------------------------------------------------
#: A member the header names: what it holds and the bounds of its size.
#: ``kind`` is "keras" or "npz"; ``least`` and ``most`` bound its size in
#: bytes; for a network, ``count`` and ``arrays`` are the weights its
#: parameters imply (:func:`mnistgen._sizes.count` and the iterable of
#: :func:`mnistgen._sizes.network_weights`); ``params`` describes them and
#: ``limit`` says what sets ``most``.
_Member = namedtuple("_Member", "kind what least most count arrays params limit")


def _members(estimator, meta, source):
    """The members ``meta`` names, each with the bounds of its size.

    Counts the weights the parameters imply (nothing is built) and refuses
    networks of more than :data:`MAX_PARAMETERS` weights.
    """
    networks, optimizers = meta["networks"], meta["optimizers"]
    if not isinstance(networks, dict) or not isinstance(optimizers, dict):
        raise TypeError("networks and optimizers must be JSON objects")
    expected = set(estimator._network_attributes)
    if set(networks) != expected:
        raise ValueError(
            f"{source}: {_META} lists the networks {sorted(networks)}, but a "
            f"{type(estimator).__name__} with its parameters has {sorted(expected)}."
        )
    params = describe(estimator)
    weights = network_weights(estimator)
    try:
        counts = {name: count(weights[name]) for name in sorted(expected)}
    except ValueError as exc:  # a conv network's image size that its filters cannot halve
        raise ValueError(f"{source}: {exc}") from exc
    total = sum(c.numbers for c in counts.values())
    if total > MAX_PARAMETERS:
        name = max(counts, key=lambda n: counts[n].numbers)
        raise ValueError(
            f"{source}: its parameters ({params}) imply networks of {total:,} weights "
            f"(network {name}: {counts[name].numbers:,}, its largest array of shape "
            f"{counts[name].largest}), more than mnistgen.persistence.MAX_PARAMETERS = "
            f"{MAX_PARAMETERS:,}. Nothing was built."
        )
    members, limit = {}, f"its parameters ({params}) allow"

    def add(fname, member):
        if not isinstance(fname, str) or fname == _META or fname in members:
            raise ValueError(f"{source}: {_META} names the member {fname!r} for {member.what}, "
                             "which is not a member of its own.")
        members[fname] = member

    for name in sorted(expected):
        c = counts[name]
        add(networks[name], _Member("keras", f"network {name}", _LEAST_BYTES_PER_NUMBER * c.numbers,
                                    _most_bytes(c.numbers, c.arrays), c, weights[name], params, limit))
    for name, spec in optimizers.items():
        if name not in estimator._optimizer_networks:
            raise ValueError(f"{source}: unknown optimizer {name!r} in {_META}.")
        trained = [counts[net] for net in estimator._optimizer_networks[name]]
        most = _most_bytes(_OPTIMIZER_SLOTS * sum(c.trainable_numbers for c in trained),
                           _OPTIMIZER_SLOTS * sum(c.trainable_arrays for c in trained) + _OPTIMIZER_SCALARS)
        add(spec["file"], _Member("npz", f"optimizer {name}", 0, most, None, None, params, limit))
    if "extra" in meta:
        add("extra.npz", _Member("npz", "extra state", 0, MAX_SAMPLER_BYTES, None, None, params,
                                 "mnistgen.persistence.MAX_SAMPLER_BYTES allows"))
    return members


def _check_declared(fname, size, member, source):
    """Raise unless a member's declared (unpacked) ``size`` is within its bounds."""
    if size > member.most:
        raise ValueError(
            f"{source}: member {fname!r} ({member.what}) declares {size:,} bytes, more than "
            f"the {member.most:,} that {member.limit}. It was not read."
        )
    if size < member.least:
        raise ValueError(
            f"{source}: member {fname!r} ({member.what}) declares {size:,} bytes, too few "
            f"for the {member.count.numbers:,} weights its parameters ({member.params}) imply: the "
            "file's arrays disagree with its parameters. Nothing was built."
        )


def _check_contents(fname, data, member, source):
    """Check a member that is itself an archive (``.keras`` or ``.npz``) before
    Keras or NumPy reads it: the sizes its own members declare, and what
    they hold (the weights of a Keras file, the array headers of an npz)."""
    where = f"{source} ({fname})"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            infos = inner.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > member.most:
                largest = max(infos, key=lambda info: info.file_size)
                raise ValueError(
                    f"{where}: the members of this {member.what} declare {unpacked:,} bytes "
                    f"unpacked ({largest.filename!r}: {largest.file_size:,}), more than the "
                    f"{member.most:,} that {member.limit}. They were not read."
                )
            if member.kind == "keras":
                _check_keras_weights(inner, member, where)
            else:
                _check_npy_headers(inner, infos, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError) as exc:  # the last two: an unknown compression method, encryption
        raise ValueError(f"{where}: the {member.what} is not a readable archive: {exc}") from exc


def _check_keras_weights(inner, member, where):
    """The weights file of a ``.keras`` archive holds the arrays the
    parameters imply, and no array it declares is larger than its bound.

    Reads the HDF5 metadata only (shapes and types), not the arrays.
    """
    import h5py

    try:
        data = inner.read("model.weights.h5")
    except KeyError:
        raise ValueError(f"{where}: no model.weights.h5 in it: not the Keras file of a network.") from None
    found, stored = Counter(), [0]

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return None
        if obj.dtype.itemsize > 8 or obj.is_virtual or obj.external:
            raise ValueError(f"{where}: the weights array {name!r} is not a plain array of numbers.")
        shape = tuple(int(d) for d in (obj.shape or ()))
        found[shape] += 1
        stored[0] += product(shape) * obj.dtype.itemsize
        return None

    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            h5.visititems(visit)
    except (OSError, RuntimeError, KeyError) as exc:  # h5py's errors for a damaged file
        raise ValueError(f"{where}: unreadable weights: {exc}") from exc
    if stored[0] > member.most:
        raise ValueError(
            f"{where}: its weights declare {stored[0]:,} bytes, more than the {member.most:,} "
            f"that {member.limit}. They were not read."
        )
    n_found = sum(found.values())
    missing = None  # the implied arrays are listed only if the file has as many
    if n_found >= member.count.arrays:
        missing = Counter(shape for shape, _ in member.arrays) - found
        if not missing:
            return
    numbers = sum(product(shape) * k for shape, k in found.items())
    lacks = f", and none of shape {next(iter(missing))}" if missing else ""
    raise ValueError(
        f"{where}: the {member.what} stores {numbers:,} weights in {n_found} arrays{lacks}; its "
        f"parameters ({member.params}) imply {member.count.numbers:,} in {member.count.arrays}: "
        "the file's arrays disagree with its parameters. Nothing was built."
    )


def _check_npy_headers(inner, infos, where):
    """Every member of an npz is a ``.npy`` array no larger than the member
    declares, and holds no objects (pickles): NumPy allocates what the
    header says before it reads the data."""
    from numpy.lib import format as npy

    readers = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
    for info in infos:
        with inner.open(info) as fh:
            try:
                version = npy.read_magic(fh)
                if version not in readers:
                    raise ValueError(f"unsupported .npy format version {version}")
                shape, _, dtype = readers[version](fh)
            except ValueError as exc:
                raise ValueError(f"{where}: {info.filename!r} is not a .npy array: {exc}") from exc
        if dtype.hasobject:
            raise ValueError(f"{where}: {info.filename!r} holds Python objects (a pickle), "
                             "which load never reads.")
        if product(shape) * dtype.itemsize > info.file_size:
            raise ValueError(
                f"{where}: {info.filename!r} declares an array of shape {shape} ({dtype}) in "
                f"a member of {info.file_size:,} bytes: it is damaged or forged."
            )


def _read_archive(path):
    """Check and read a model file: ``(estimator, meta, files)``.

    The estimator has its parameters and fitted attributes, no networks.
    Every member is read only after the size the archive declares for it
    passed its bound (:func:`_members`); members the header does not name
    are ignored unread.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            meta = _read_header(zf, path)
            estimator = _estimator_from_header(meta, path)
            try:
                members = _members(estimator, meta, repr(path))
            except (KeyError, TypeError, AttributeError) as exc:
                raise ValueError(
                    f"{path!r}: the model file is incomplete or inconsistent ({exc!r})."
                ) from exc
            files = {}
            for fname, member in members.items():
                try:
                    info = zf.getinfo(fname)
                except KeyError:
                    raise ValueError(
                        f"{path!r}: no member {fname!r} ({member.what}), which {_META} names: "
                        "the model file is incomplete."
                    ) from None
                _check_declared(fname, info.file_size, member, repr(path))
                data = zf.read(info)  # never more than the declared size (or a CRC error)
                _check_contents(fname, data, member, repr(path))
                files[fname] = data
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path!r}: corrupted {_META}: {exc!r}") from exc
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise ValueError(
            f"{path!r} is not a readable mnistgen model file (truncated, "
            f"corrupted, encrypted or another kind of file): {exc}"
        ) from exc
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path!r} could not be read: {exc}") from exc
    return estimator, meta, files


def _read_header(zf, path):
    """``mnistgen.json``, read once its declared size is below :data:`MAX_HEADER_BYTES`."""
    try:
        info = zf.getinfo(_META)
    except KeyError:
        raise ValueError(
            f"{path!r} is not a mnistgen model file: it is a zip archive without {_META}."
        ) from None
    _check_header_size(info.file_size, repr(path))
    raw = zf.read(info)
    _check_header_containers(raw, repr(path))
    meta = json.loads(raw.decode("utf-8"))
    _check_header(meta, path)
    return meta


def _check_header_size(size, source):
    if size > MAX_HEADER_BYTES:
        raise ValueError(
            f"{source}: its {_META} is {size:,} bytes long, more than the "
            f"{MAX_HEADER_BYTES:,} that load reads (mnistgen.persistence.MAX_HEADER_BYTES)."
        )


def _check_header_containers(raw, source):
    """Refuse a header of more JSON objects and arrays than a model's before parsing it."""
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > _MAX_HEADER_CONTAINERS:
        raise ValueError(
            f"{source}: its {_META} holds {containers:,} JSON objects and arrays, more than "
            f"the {_MAX_HEADER_CONTAINERS:,} that load parses. It was not parsed."
        )


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
_BEFORE_THEY_EXISTED = {"VAEGenerator": {"conv_dense_units": (), "prior": REPORT_PRIOR,
                                         "prior_components": 10},
                        "GANGenerator": {"self_conditioning": None, "conditioning": "input"}}


def _estimator_from_header(meta, path):
    """The estimator of the header's parameters and fitted attributes, no networks.

    Validating the parameters and setting the attributes builds nothing.
    """
    try:
        # JSON has no tuples: layer widths come back as the tuples they were
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["params"].items()}
        for name, value in _BEFORE_THEY_EXISTED.get(meta["estimator"], {}).items():
            params.setdefault(name, value)
        estimator = _ESTIMATORS[meta["estimator"]](**params)
        estimator._validate_params()
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path!r}: bad parameters in {_META}: {exc}") from exc
    try:
        _set_json_attributes(estimator, meta["attributes"])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"{path!r}: bad fitted attributes in {_META}: {exc!r}") from exc
    return estimator


def load(path):
    """Load an estimator written by ``save``.

    The file may come from anyone: no code stored in it is run, and every
    member is read only after the size the archive declares for it passed a
    bound that the file's parameters set (the networks' weights, counted
    before anything is built, at most :data:`MAX_PARAMETERS`); members the
    format does not name are ignored unread.

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
        newer format version, or its arrays disagree with its parameters;
        if its parameters imply networks of more than :data:`MAX_PARAMETERS`
        weights, or a member declares more bytes than its bound. The message
        names the file.

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
    estimator, meta, files = _read_archive(path)
    return import_state(estimator, meta, files, source=repr(path))
