"""The metrics' classifiers: build, fit, save and load them, and read images through them.

The network of :func:`build_classifier`, the shipped classifiers (loaded
once), :func:`fit_classifier` for other data, and one forward pass that
gives everything the scores need (:func:`classifier_outputs`), after
:func:`check_classifier_images` has checked the images against the
classifier's input. The scores themselves are in ``_scores.py``;
:func:`classifier_outputs` is also the feature extractor of the estimators'
early stopping (``mnistgen._early_stopping``).
"""
import os
import weakref

import numpy as np

from .._params import check_positive_int
from .._validation import channels_last, check_images

#: Path of the shipped classifier weights (an ``.npz`` of float32 arrays).
CLASSIFIER_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                               "mnist_classifier.npz")
#: The shipped classifiers, by name: their weight files.
SHIPPED_CLASSIFIERS = {
    "mnist": CLASSIFIER_PATH,
    "fashion-mnist": os.path.join(os.path.dirname(CLASSIFIER_PATH), "fashion_mnist_classifier.npz"),
}

#: The smallest height and width the network of build_classifier reads: its
#: four 3x3 convolutions and two 2x2 poolings leave 1x1 pixels of 16x16.
MIN_SIZE = 16

_BATCH = 1000  # images per forward pass
_loaded = {}  # shipped classifiers by name, loaded once
_multi = weakref.WeakKeyDictionary()  # classifier -> its multi-output model


def build_classifier(input_shape=(28, 28, 1), n_classes=10):
    """Build the (untrained) Keras network of the metrics' classifiers.

    A small CNN: two 3x3 convolutions with 32 filters, 2x2 max-pooling, two
    3x3 convolutions with 64 filters, 2x2 max-pooling, a dense layer of 128
    ReLU units (the *feature* layer used by :func:`features`), dropout and a
    softmax over the classes. It takes ``input_shape`` float images in [0, 1].

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        ``(H, W, C)`` of the images, ``H`` and ``W`` at least 16.
    n_classes : int, default=10
        Number of classes ``K``.

    Returns
    -------
    model : keras.Model
        The network, with randomly initialised weights.

    Examples
    --------
    >>> from mnistgen.metrics import build_classifier
    >>> build_classifier().output_shape
    (None, 10)
    >>> build_classifier((32, 32, 3), n_classes=4).output_shape
    (None, 4)
    """
    from .._backend import get_keras

    height, width, channels = (int(s) for s in input_shape)
    if min(height, width) < MIN_SIZE:
        raise ValueError(
            f"The metrics' classifier reads images of at least {MIN_SIZE}x{MIN_SIZE} pixels, "
            f"got {height}x{width}."
        )
    keras = get_keras()
    layers = keras.layers
    inputs = keras.Input(shape=(height, width, channels), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv3")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv4")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(int(n_classes), activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="mnist_classifier")


def save_classifier_weights(model, path):
    """Write a classifier's weights to an ``.npz`` of plain arrays (no pickle).

    The format :func:`load_classifier` reads: the weights, the input shape
    and the number of classes. The shipped files are written so by
    ``mnistgen/data/build_mnist_classifier.py``.

    Parameters
    ----------
    model : keras.Model
        A network of :func:`build_classifier` (or of :func:`fit_classifier`).
    path : str or path-like
        The ``.npz`` file to write.

    Examples
    --------
    >>> import os, tempfile
    >>> from mnistgen.metrics import build_classifier, load_classifier, save_classifier_weights
    >>> path = os.path.join(tempfile.mkdtemp(), "classifier.npz")
    >>> save_classifier_weights(build_classifier((16, 16, 3), 5), path)
    >>> load_classifier(path).output_shape
    (None, 5)
    """
    arrays = {f"w{i:02d}": np.asarray(w, dtype=np.float32) for i, w in enumerate(model.get_weights())}
    arrays["input_shape"] = np.asarray(model.input_shape[1:], dtype=np.int64)
    arrays["n_classes"] = np.asarray(model.output_shape[-1], dtype=np.int64)
    np.savez_compressed(path, **arrays)


def load_classifier(path=None):
    """Return a classifier of the metrics: a shipped one (loaded once) or a saved one.

    The weights are read with ``numpy.load(..., allow_pickle=False)`` into
    the network of :func:`build_classifier`, so loading never runs pickled
    code.

    Parameters
    ----------
    path : str or path-like, default=None
        ``None`` or ``"mnist"``: the shipped MNIST digit classifier;
        ``"fashion-mnist"``: the shipped Fashion-MNIST one; else a weights
        file written by :func:`save_classifier_weights` (not cached).

    Returns
    -------
    model : keras.Model
        The classifier: images in [0, 1] to class probabilities.

    Examples
    --------
    >>> from mnistgen.metrics import load_classifier
    >>> load_classifier().count_params() < 500_000
    True
    >>> load_classifier("fashion-mnist").input_shape
    (None, 28, 28, 1)
    """
    name = "mnist" if path is None else path
    if isinstance(name, str) and name in SHIPPED_CLASSIFIERS:
        if name not in _loaded:
            _loaded[name] = _read_classifier(SHIPPED_CLASSIFIERS[name])
        return _loaded[name]
    return _read_classifier(os.fspath(path))


def _read_classifier(file):
    with np.load(file, allow_pickle=False) as npz:
        keys = sorted(k for k in npz.files if k.startswith("w"))
        weights = [npz[k] for k in keys]
        input_shape = tuple(npz["input_shape"]) if "input_shape" in npz.files else (28, 28, 1)
        n_classes = int(npz["n_classes"]) if "n_classes" in npz.files else 10
    model = build_classifier(input_shape, n_classes)
    model.set_weights(weights)
    return model


def fit_classifier(X, y, *, epochs=10, batch_size=128, random_state=0, verbose=0):
    """Fit a classifier of the metrics on your own labelled images, in one call.

    Trains the network of :func:`build_classifier` for the images' size and
    the classes of ``y`` with random shifts of up to 2 pixels, Adam and a
    cosine-decayed learning rate (the shipped classifiers' recipe). Pass it
    as ``classifier=`` to any metric, or save it
    (:func:`save_classifier_weights`) for ``mnistgen evaluate --classifier``.

    Parameters
    ----------
    X : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W)
        Real images (uint8 0-255 or floats in [0, 1]), at least 16x16.
    y : array-like of shape (n,) of int
        Class labels 0 to ``K - 1``.
    epochs, batch_size : int, default=10, 128
    random_state : int, default=0
        Seed of the weights, shuffles and shifts.
    verbose : int, default=0
        Keras's progress output.

    Returns
    -------
    model : keras.Model
        The trained classifier, ``K`` outputs.

    Examples
    --------
    >>> from mnistgen.metrics import fit_classifier, predict_proba
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(64) % 2
    >>> X = (rng.random((64, 16, 16, 3)) < 0.2 + 0.6 * y[:, None, None, None]).astype(np.float32)
    >>> classifier = fit_classifier(X, y, epochs=3)
    >>> predict_proba(X[:4], classifier=classifier).shape
    (4, 2)
    """
    from .._backend import get_keras
    from .._validation import check_labels

    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    flat, image_shape, _ = check_images(X)
    labels = check_labels(y, len(flat))
    if labels.min() < 0:
        raise ValueError(f"y must hold class labels 0 to K-1, got {labels.min()}.")
    shape = channels_last(image_shape)
    keras = get_keras()
    keras.utils.set_random_seed(int(random_state))
    model = build_classifier(shape, int(labels.max()) + 1)
    shift = keras.layers.RandomTranslation(2 / shape[0], 2 / shape[1], fill_mode="constant",
                                           seed=int(random_state))
    inputs = keras.Input(shape=shape)
    trainer = keras.Model(inputs, model(shift(inputs)))
    steps = epochs * int(np.ceil(len(flat) / batch_size))
    trainer.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
                    loss="sparse_categorical_crossentropy")
    trainer.fit(flat.reshape((-1,) + shape), labels, batch_size=batch_size, epochs=epochs,
                verbose=verbose)
    return model


def _networks(classifier=None):
    """The classifier and its multi-output model (shipped MNIST one by default)."""
    model = load_classifier() if classifier is None else (
        load_classifier(classifier) if isinstance(classifier, (str, os.PathLike)) else classifier)
    if not (hasattr(model, "get_layer") and hasattr(model, "input_shape")):
        raise TypeError(
            f"classifier must be None, 'mnist', 'fashion-mnist', a weights file or a Keras "
            f"model of fit_classifier/build_classifier, got {type(classifier).__name__}."
        )
    if model not in _multi:
        from .._backend import get_keras

        # One pass gives probabilities, the 128 dense features and the
        # flattened convolutional features.
        outputs = [model.output, model.get_layer("features").output, model.get_layer("flatten").output]
        _multi[model] = get_keras().Model(model.inputs[0], outputs)
    return model, _multi[model]


def check_classifier_images(images, what="images", min_samples=1, classifier=None):
    """Check images for a classifier; return them as its float32 input.

    Parameters
    ----------
    images : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W)
        uint8 images in 0-255 or floats in [0, 1], of the classifier's size.
    what : str, default="images"
        The argument's name, for the error messages.
    min_samples : int, default=1
        The fewest images accepted.
    classifier : keras.Model or str, default=None
        None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    x : ndarray of shape (n,) + the classifier's ``input_shape[1:]``, dtype float32
        Ready for :func:`classifier_outputs`.
    """
    model = _networks(classifier)[0]
    expected = tuple(model.input_shape[1:])
    flat, image_shape, _ = check_images(images, what=what)
    if channels_last(image_shape) != expected:
        from .._validation import describe_size

        wanted = describe_size(expected if expected[2] > 1 else expected[:2])
        raise ValueError(
            f"{what} must be {wanted} images to be read by this classifier, got images of "
            f"{describe_size(image_shape)} pixels (array shape {np.shape(images)}). "
            "For other data, fit a classifier on it with mnistgen.metrics.fit_classifier "
            "and pass it as classifier=."
        )
    if flat.shape[0] < min_samples:
        raise ValueError(
            f"{what} holds {flat.shape[0]} image(s), but at least {min_samples} "
            "are needed here."
        )
    return flat.reshape((-1,) + expected)


def classifier_outputs(x, classifier=None):
    """Everything the scores read from a classifier, in one forward pass.

    Parameters
    ----------
    x : ndarray of shape (n,) + the classifier's ``input_shape[1:]``
        Images as :func:`check_classifier_images` returns them.
    classifier : keras.Model or str, default=None
        None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    proba : ndarray of shape (n, K), dtype float64
        Class probabilities, ``K`` the classifier's number of classes.
    dense : ndarray of shape (n, 128), dtype float64
        The penultimate-layer features (:func:`features`).
    conv : ndarray of shape (n, n_conv), dtype float64
        The flattened convolutional features, each row scaled to unit length.
    """
    net = _networks(classifier)[1]
    chunks = [net(x[i : i + _BATCH], training=False) for i in range(0, len(x), _BATCH)]
    proba, dense, conv = (
        np.concatenate([np.asarray(c[j]) for c in chunks], axis=0).astype(np.float64) for j in range(3)
    )
    conv /= np.maximum(np.linalg.norm(conv, axis=1, keepdims=True), 1e-12)
    return proba, dense, conv


def predict_proba(images, classifier=None):
    """Class probabilities p(y|x) of the classifier.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1] (another classifier's
        size for another ``classifier``).
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    proba : ndarray of shape (n, K)
        ``K`` is the classifier's number of classes (10 for the shipped
        ones). Rows sum to 1; column ``k`` is the probability of class ``k``
        (for MNIST, of digit ``k``).

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import predict_proba
    >>> _, (x_test, y_test) = load_mnist()
    >>> bool((predict_proba(x_test[:200]).argmax(axis=1) == y_test[:200]).mean() > 0.95)
    True
    """
    return classifier_outputs(check_classifier_images(images, classifier=classifier), classifier)[0]


def features(images, classifier=None):
    """Penultimate-layer (128 ReLU units) features of the classifier.

    These are the features :func:`frechet_distance` compares.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1] (another classifier's
        size for another ``classifier``).
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    feats : ndarray of shape (n, 128), dtype float64

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import features
    >>> _, (x_test, _) = load_mnist()
    >>> features(x_test[:10]).shape
    (10, 128)
    """
    return classifier_outputs(check_classifier_images(images, classifier=classifier), classifier)[1]
