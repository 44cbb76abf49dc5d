"""Checks and conversions of user input: images, latent codes, sample counts, labels.

Everything here is plain NumPy, so the checks run (and fail clearly) before
TensorFlow is imported.
"""
import numpy as np

from ._params import check_positive_int

__all__ = [
    "check_images",
    "check_latent",
    "check_n_samples",
    "image_layout",
    "check_labels",
    "channels_last",
    "check_conv_shape",
    "describe_size",
    "labels_to_indices",
    "one_hot",
    "to_unit_float",
]


def _as_numeric_array(X, what):
    """Return ``X`` as a numeric ndarray or raise a TypeError naming ``what``."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(
            f"Sparse data was passed for {what}, but dense data is required: "
            "sparse input is not supported. Use X.toarray() to convert it."
        )
    if hasattr(X, "__array__") or isinstance(X, (list, tuple, np.ndarray)):
        pass
    elif isinstance(X, (str, bytes, dict, set)) or X is None or np.isscalar(X):
        raise TypeError(
            f"{what} must be an array-like of numbers, got {type(X).__name__}."
        )
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{what} could not be read as a rectangular array: {exc}"
        ) from exc
    if arr.dtype == object:
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in arr.flat):
            # NumPy 1.x makes ragged nested lists an object array of lists
            raise ValueError(
                f"{what} could not be read as a rectangular array: its rows "
                "differ in length."
            )
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{what} must hold numbers only; converting it to float "
                f"failed: {exc}"
            ) from exc
    if arr.dtype.kind in "USV":
        raise TypeError(
            f"{what} must hold numbers, got an array of dtype {arr.dtype}."
        )
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {what} must hold real numbers, got "
            f"dtype {arr.dtype}."
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must hold numbers, got an array of dtype {arr.dtype}."
        )
    return arr


def image_layout(shape):
    """Split an array shape into ``(image_shape, row_shape)``.

    Parameters
    ----------
    shape : tuple of int
        Shape of an image array: ``(n, H, W)``, ``(n, H, W, C)`` or
        ``(n, H*W)``.

    Returns
    -------
    image_shape : tuple of int
        ``(H, W)`` for greyscale images (``(n, H, W)``, ``(n, H, W, 1)``);
        ``(H, W, C)`` for images of ``C > 1`` channels (RGB: 3). For flat
        rows of ``d`` pixels, ``(s, s)`` when ``d`` is a perfect square
        ``s*s`` and ``(1, d)`` otherwise.
    row_shape : tuple of int
        ``shape[1:]``: the shape one image has in the caller's layout.

    Raises
    ------
    ValueError
        For any other number of dimensions.
    """
    ndim = len(shape)
    if ndim == 2:
        d = shape[1]
        s = int(round(np.sqrt(d)))
        image_shape = (s, s) if s * s == d else (1, d)
    elif ndim == 3:
        image_shape = tuple(shape[1:])
    elif ndim == 4:
        image_shape = tuple(shape[1:3]) if shape[3] == 1 else tuple(shape[1:])
    else:
        raise ValueError(
            "Expected images as an array of shape (n, H, W), (n, H, W, C) or "
            f"(n, H*W), got an array with {ndim} dimension(s) and shape "
            f"{tuple(shape)}."
        )
    return image_shape, tuple(shape[1:])


def channels_last(image_shape):
    """``(H, W, C)`` of an image shape: ``(H, W)`` is one channel."""
    dims = tuple(int(s) for s in image_shape)
    return dims if len(dims) == 3 else dims + (1,)


def describe_size(image_shape):
    """``"28x28"`` for ``(28, 28)``, ``"32x32x3"`` for ``(32, 32, 3)``."""
    return "x".join(str(int(s)) for s in image_shape)


def check_images(X, *, image_shape=None, what="X", convert=True):
    """Validate images and return them as flat float32 rows in [0, 1].

    Parameters
    ----------
    X : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W)
        Images. Integer arrays hold pixel values 0-255 (uint8 is the usual
        type) and are divided by 255; float arrays must already lie in
        [0, 1]; booleans count as 0 and 1.
    image_shape : tuple of int, default=None
        The ``(H, W)`` learned at fit time, which ``X`` must then match.
    what : str, default="X"
        Name of the argument, used in error messages.
    convert : bool, default=True
        If False, check only the shape and return the flat rows in their
        own dtype (a view where possible), for :func:`to_unit_float` to
        check and scale a chunk at a time.

    Returns
    -------
    X_flat : ndarray of shape (n, H*W), dtype float32
        The flat images, scaled to [0, 1] (unless ``convert=False``).
    image_shape : tuple of int
        ``(H, W)``.
    row_shape : tuple of int
        Shape of one image in the caller's layout (``X.shape[1:]``).

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is empty, misshapen, not finite or out of range.
    """
    arr = _as_numeric_array(X, what)
    if arr.ndim == 0 or arr.ndim == 1:
        raise ValueError(
            f"Expected {what} to be images of shape (n, H, W), (n, H, W, C) or "
            f"(n, H*W), got a {arr.ndim}-D array of shape {arr.shape}. "
            "Reshape a single image with X.reshape(1, -1)."
        )
    if arr.shape[0] == 0:
        raise ValueError(
            f"{what} is empty: found array with 0 sample(s) (shape={arr.shape}) "
            "while a minimum of 1 is required."
        )
    found_image_shape, row_shape = image_layout(arr.shape)
    n_pixels = int(np.prod(row_shape))
    if n_pixels == 0:
        raise ValueError(
            f"{what} has images with 0 pixels: found array with 0 feature(s) "
            f"(shape={arr.shape}) while a minimum of 1 is required."
        )
    if image_shape is not None:
        found_image_shape = _check_fitted_shape(arr.shape, found_image_shape, image_shape, what)
    flat = arr.reshape(arr.shape[0], n_pixels)
    if convert:
        flat = to_unit_float(flat, what)
    return flat, found_image_shape, row_shape


def _check_fitted_shape(shape, found, image_shape, what):
    """Check images of array ``shape`` (``found`` = image shape) against the fitted size."""
    n_pixels = int(np.prod(shape[1:]))
    expected = int(np.prod(image_shape))
    if n_pixels != expected:
        raise ValueError(
            f"{what} has {n_pixels} pixels per image (shape {shape}), "
            f"but this estimator was fitted on images of "
            f"{describe_size(image_shape)} = {expected} pixels "
            f"(n_features_in_ = {expected}): X has {n_pixels} features, "
            f"but is expecting {expected} features as input."
        )
    if len(shape) > 2 and found != tuple(image_shape):
        raise ValueError(
            f"{what} holds images of {describe_size(found)} pixels, but this "
            f"estimator was fitted on {describe_size(image_shape)} images."
        )
    return tuple(image_shape)


def to_unit_float(flat, what="X"):
    """Check pixel values and scale them to float32 in [0, 1].

    Parameters
    ----------
    flat : ndarray of shape (n, d)
        Numeric pixel rows (bool, integers in 0-255 or floats in [0, 1]).
    what : str, default="X"
        Name of the argument, used in error messages.

    Returns
    -------
    flat : ndarray of shape (n, d), dtype float32
    """
    kind = flat.dtype.kind
    if kind == "b":
        out = flat.astype(np.float32)
    elif kind in "iu":
        lo, hi = flat.min(), flat.max()
        if lo < 0 or hi > 255:
            raise ValueError(
                f"{what} holds integer pixel values from {lo} to {hi}; integer "
                "images must lie in 0-255 (uint8). Negative or larger "
                "integers are not pixel intensities."
            )
        out = flat.astype(np.float32) / np.float32(255.0)
    else:
        if not np.all(np.isfinite(flat)):
            n_bad = int(np.size(flat) - np.count_nonzero(np.isfinite(flat)))
            raise ValueError(
                f"Input {what} contains NaN or infinity ({n_bad} value(s)); "
                "images must be finite, with floats in [0, 1]."
            )
        lo, hi = float(flat.min()), float(flat.max())
        if lo < 0.0 or hi > 1.0:
            negative = "Negative values in data passed to " + what + ". " if lo < 0 else ""
            raise ValueError(
                f"{negative}{what} holds float pixel values from {lo:g} to "
                f"{hi:g}; float images must lie in [0, 1]. Divide 0-255 images "
                "by 255, or pass them as uint8."
            )
        out = np.asarray(flat, dtype=np.float32)
    return out


def check_latent(Z, latent_dim, what="Z"):
    """Validate latent codes and return them as a float32 array.

    Parameters
    ----------
    Z : array-like of shape (n, latent_dim)
        Latent vectors.
    latent_dim : int
        The number of latent dimensions the model was fitted with.
    what : str, default="Z"
        Name of the argument, used in error messages.

    Returns
    -------
    Z : ndarray of shape (n, latent_dim), dtype float32
    """
    arr = _as_numeric_array(Z, what)
    if arr.ndim != 2 or arr.shape[1] != latent_dim:
        raise ValueError(
            f"Expected {what} of shape (n, {latent_dim}) (latent_dim = "
            f"{latent_dim}), got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(
            f"{what} is empty: found array with 0 sample(s) (shape={arr.shape}) "
            "while a minimum of 1 is required."
        )
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"Input {what} contains NaN or infinity.")
    return arr


def check_n_samples(n_samples):
    """Return ``n_samples`` as an int, or raise if it is not a positive integer."""
    return check_positive_int("n_samples", n_samples)


def check_labels(y, n_samples=None, what="y"):
    """Validate class labels and return them as an int64 array.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or int
        Integer class labels. Floats are accepted when they are whole
        numbers (``3.0``); a scalar is allowed only when ``n_samples`` is
        given, and is repeated ``n_samples`` times.
    n_samples : int, default=None
        The number of labels expected (the number of images).
    what : str, default="y"
        Name of the argument, used in error messages.

    Returns
    -------
    y : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    ValueError
        If ``y`` is None, has the wrong shape or length, or holds NaN,
        infinity or non-whole numbers.
    TypeError
        If ``y`` holds anything other than numbers (strings, booleans, ...).
    """
    if y is None:
        raise ValueError(
            f"{what} is required: this model is conditional (conditional=True) "
            "and needs one integer class label per image."
        )
    if isinstance(y, (str, bytes, dict, set)):
        raise TypeError(f"{what} must hold integer class labels, got {type(y).__name__}.")
    if hasattr(y, "toarray") and hasattr(y, "nnz"):
        raise TypeError(f"{what} must be a dense array of integer class labels, got a sparse matrix.")
    try:
        arr = np.asarray(y)
    except ValueError as exc:
        raise ValueError(f"{what} could not be read as an array of labels: {exc}") from exc
    if arr.ndim == 0 and n_samples is not None:
        arr = np.full(n_samples, arr[()], dtype=arr.dtype)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{what} must be a 1-D array of class labels, got an array of shape {arr.shape}."
        )
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"{what} has {arr.shape[0]} label(s) but there are {n_samples} "
            "image(s): give one label per image (Found input variables with "
            f"inconsistent numbers of samples: [{n_samples}, {arr.shape[0]}])."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{what} is empty: at least one label is required.")
    return _as_int_labels(arr, what)


def _as_int_labels(arr, what):
    """A 1-D array of labels as int64: whole numbers only."""
    if arr.dtype == object:
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in arr.flat):
            # NumPy 1.x makes ragged nested lists an object array of lists
            raise ValueError(
                f"{what} could not be read as a rectangular array: its rows "
                "differ in length."
            )
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{what} must hold integer class labels: {exc}") from exc
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Input {what} contains NaN or infinity; class labels must be integers.")
        if not np.all(arr == np.round(arr)):
            raise ValueError(
                f"{what} must hold integer class labels, got non-integer values "
                f"such as {arr[arr != np.round(arr)][0]!r}. Continuous targets "
                "are not class labels."
            )
        if np.abs(arr).max() >= 2**53:
            raise ValueError(f"{what} holds labels too large to be exact integers.")
        return arr.astype(np.int64)
    raise TypeError(
        f"{what} must hold integer class labels, got an array of dtype {arr.dtype}. "
        "Encode string or boolean labels as integers first (for example with "
        "sklearn.preprocessing.LabelEncoder)."
    )


def labels_to_indices(y, classes, what="y"):
    """Map labels to their positions in the sorted array ``classes``.

    Parameters
    ----------
    y : ndarray of int64
        Labels, as :func:`check_labels` returns them.
    classes : ndarray of int64
        Sorted distinct labels (an estimator's ``classes_``).
    what : str, default="y"
        Name of the argument, used in error messages.

    Returns
    -------
    indices : ndarray of int64, same shape as ``y``

    Raises
    ------
    ValueError
        If a label is not in ``classes``.
    """
    classes = np.asarray(classes)
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(
            f"{what} holds label(s) {sorted(set(np.asarray(y)[unknown].tolist()))[:10]} "
            f"not seen in fit; the model knows classes_ = {classes.tolist()}."
        )
    return idx.astype(np.int64)


def one_hot(indices, n_classes):
    """Return the float32 one-hot rows of class ``indices``."""
    out = np.zeros((len(indices), n_classes), dtype=np.float32)
    out[np.arange(len(indices)), indices] = 1.0
    return out


def check_conv_shape(image_shape, filters):
    """Return ``(H, W)`` after the stride-2 stages of conv networks, or raise.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` of the images.
    filters : tuple of int
        Channels of the convolutional stages (``conv_filters``); each one
        halves the height and width.

    Returns
    -------
    grid : tuple of int
        ``(H // 2**k, W // 2**k)`` with ``k = len(filters)``.

    Raises
    ------
    ValueError
        If ``H`` or ``W`` is not divisible by ``2**k`` (4 for two stages).
    """
    factor = 2 ** len(filters)
    height, width = (int(s) for s in image_shape[:2])
    if height % factor or width % factor:
        down = [max(factor, s // factor * factor) for s in (height, width)]
        up = [-(-s // factor) * factor for s in (height, width)]
        sizes = sorted({tuple(down), tuple(up)})
        nearest = " and ".join(f"{h}x{w}" for h, w in sizes)
        raise ValueError(
            f"architecture='conv' halves the image size {len(filters)} time(s) "
            f"(once per entry of conv_filters={tuple(filters)}), so the image "
            f"height and width must be divisible by {factor}; got images of "
            f"{height}x{width}. The nearest sizes that work are {nearest}: "
            "pad or crop the images, or use architecture='mlp'."
        )
    return height // factor, width // factor
