"""Sample-quality metrics for generated MNIST digits.

Every metric here looks at images through a small convolutional MNIST digit
classifier shipped with the package (``mnistgen/data/mnist_classifier.npz``,
trained by ``mnistgen/data/build_mnist_classifier.py``). They are the MNIST analogues of
the usual measures for generative models:

* :func:`classifier_score` -- the Inception-score analogue (1 to 10);
* :func:`frechet_distance` -- the FID analogue on the classifier's
  penultimate-layer features (0 and up);
* :func:`class_coverage` -- the share of each predicted digit, which exposes
  mode collapse;
* :func:`precision_recall` -- k-nearest-neighbour manifold precision and
  recall (Kynkaanniemi et al., 2019) on the classifier's normalised
  convolutional features;
* :func:`sharpness` -- mean squared Laplacian response of the pixels, a
  classifier-free measure of blur;
* :func:`evaluate` -- all of these at once, with the classifier run once per
  image set (and once for a reference set used again and again, through
  :func:`reference_features`).

Because the feature network is this small MNIST classifier and not the
Inception-v3 network, **none of these numbers is comparable to the FID or IS
numbers reported in papers**; compare them only with each other.

Other data are judged through another classifier, passed to every function
as ``classifier=``: the shipped Fashion-MNIST one (``"fashion-mnist"``,
``mnistgen/data/fashion_mnist_classifier.npz``, trained by the same script
with ``--dataset fashion-mnist``), or one fitted on your own labelled images
by :func:`fit_classifier` (any size, greyscale or colour). The default,
``classifier=None``, is the MNIST digit classifier.

All functions accept images in the layouts the estimators accept:
``(n, 28, 28)``, ``(n, 28, 28, 1)`` or ``(n, 784)`` for the MNIST
classifier, either integers in 0-255 (uint8) or floats in [0, 1].
TensorFlow is imported only when a classifier is first needed.
"""
import os
import weakref

import numpy as np

from ._params import check_positive_int
from ._validation import channels_last, check_images

__all__ = [
    "build_classifier",
    "fit_classifier",
    "load_classifier",
    "predict_proba",
    "features",
    "classifier_score",
    "frechet_distance",
    "class_coverage",
    "class_counts",
    "precision_recall",
    "sharpness",
    "reference_features",
    "evaluate",
    "save_classifier_weights",
    "CLASSIFIER_PATH",
]

#: Path of the shipped classifier weights (an ``.npz`` of float32 arrays).
CLASSIFIER_PATH = os.path.join(os.path.dirname(__file__), "data", "mnist_classifier.npz")
#: The shipped classifiers, by name: their weight files.
SHIPPED_CLASSIFIERS = {
    "mnist": CLASSIFIER_PATH,
    "fashion-mnist": os.path.join(os.path.dirname(__file__), "data", "fashion_mnist_classifier.npz"),
}

_BATCH = 1000
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
        ``(H, W, C)`` of the images, ``H`` and ``W`` at least 12.
    n_classes : int, default=10
        Number of classes.

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
    from ._backend import get_keras

    height, width, channels = (int(s) for s in input_shape)
    if min(height, width) < 12:
        raise ValueError(
            f"The metrics' classifier reads images of at least 12x12 pixels, got {height}x{width}."
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
        Real images (uint8 0-255 or floats in [0, 1]), at least 12x12.
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
    from ._backend import get_keras
    from ._validation import check_labels

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
    """The multi-output model of a classifier (shipped MNIST one by default)."""
    model = load_classifier() if classifier is None else (
        load_classifier(classifier) if isinstance(classifier, (str, os.PathLike)) else classifier)
    if not (hasattr(model, "get_layer") and hasattr(model, "input_shape")):
        raise TypeError(
            f"classifier must be None, 'mnist', 'fashion-mnist', a weights file or a Keras "
            f"model of fit_classifier/build_classifier, got {type(classifier).__name__}."
        )
    if model not in _multi:
        from ._backend import get_keras

        # One pass gives probabilities, the 128 dense features and the
        # flattened convolutional features.
        outputs = [model.output, model.get_layer("features").output, model.get_layer("flatten").output]
        _multi[model] = get_keras().Model(model.inputs[0], outputs)
    return model, _multi[model]


def _check(images, what="images", min_samples=1, classifier=None):
    """Validate images of the classifier's size; return them as float32 (n, H, W, C)."""
    model = _networks(classifier)[0]
    expected = tuple(model.input_shape[1:])
    flat, image_shape, _ = check_images(images, what=what)
    if channels_last(image_shape) != expected:
        from ._validation import describe_size

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


def _outputs(x, classifier=None):
    """(proba, dense features, L2-normalised conv features) of checked images."""
    net = _networks(classifier)[1]
    chunks = [net(x[i : i + _BATCH], training=False) for i in range(0, len(x), _BATCH)]
    proba, dense, conv = (
        np.concatenate([np.asarray(c[j]) for c in chunks], axis=0).astype(np.float64) for j in range(3)
    )
    conv /= np.maximum(np.linalg.norm(conv, axis=1, keepdims=True), 1e-12)
    return proba, dense, conv


def predict_proba(images, classifier=None):
    """Class probabilities p(y|x) of the shipped classifier.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    proba : ndarray of shape (n, 10)
        Rows sum to 1; column ``d`` is the probability of digit ``d``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import predict_proba
    >>> _, (x_test, y_test) = load_mnist()
    >>> bool((predict_proba(x_test[:200]).argmax(axis=1) == y_test[:200]).mean() > 0.95)
    True
    """
    return _outputs(_check(images, classifier=classifier), classifier)[0]


def features(images, classifier=None):
    """Penultimate-layer (128 ReLU units) features of the shipped classifier.

    These are the features :func:`frechet_distance` and
    :func:`precision_recall` compare.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].
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
    return _outputs(_check(images, classifier=classifier), classifier)[1]


def classifier_score(images, eps=1e-12, classifier=None):
    """Inception-score analogue on the MNIST classifier: exp(E_x KL(p(y|x) || p(y))).

    High when each image is classified confidently (sharp p(y|x)) *and* the
    set covers all digits evenly (flat marginal p(y)). It ranges from 1
    (every image gets the same prediction, or no image is recognisable) to
    10 (confident predictions spread evenly over the ten digits). Real MNIST
    test digits score about 9.9.

    The score uses this package's small MNIST classifier, not Inception-v3:
    it is **not comparable to Inception-score numbers from papers**.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].
    eps : float, default=1e-12
        Floor on probabilities inside the logarithms.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    score : float
        In [1, 10].

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> import numpy as np
    >>> from mnistgen.metrics import classifier_score
    >>> _, (x_test, _) = load_mnist()
    >>> classifier_score(x_test[:300]) > 9
    True
    >>> round(classifier_score(np.repeat(x_test[:1], 50, axis=0)), 2)
    1.0
    """
    p = predict_proba(images, classifier)
    return _score_from_proba(p, eps)


def _score_from_proba(p, eps=1e-12):
    p_y = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(p_y + eps)), axis=1)
    return float(np.clip(np.exp(kl.mean()), 1.0, 10.0))


def class_counts(images, classifier=None):
    """Number of images the classifier assigns to each digit 0-9.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    counts : ndarray of shape (10,), dtype int64
        ``counts[d]`` images are predicted as digit ``d``; they sum to ``n``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import class_counts
    >>> _, (x_test, _) = load_mnist()
    >>> int(class_counts(x_test[:100]).sum())
    100
    """
    proba = predict_proba(images, classifier)
    return np.bincount(proba.argmax(axis=1), minlength=proba.shape[1]).astype(np.int64)


def class_coverage(images, classifier=None):
    """Share of each digit 0-9 among the images, as predicted by the classifier.

    Exposes mode collapse: a generator that covers all digits gives shares
    near 0.1 each (real MNIST test digits: 0.089 to 0.114); a collapsed one
    piles its share on a few digits. ``class_coverage(x).min()`` (the
    smallest class share, 0 to 0.1) is a one-number summary. Shares depend on
    this package's classifier, whose test accuracy is about 99%.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    shares : ndarray of shape (10,), dtype float64
        Each in [0, 1], summing to 1.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import class_coverage
    >>> _, (x_test, _) = load_mnist()
    >>> shares = class_coverage(x_test[:300])
    >>> shares.shape, round(float(shares.sum()), 6), bool(shares.min() > 0.05)
    ((10,), 1.0, True)
    """
    counts = class_counts(images, classifier)
    return counts / counts.sum()


def _sqrtm_psd_product(a, b):
    """Trace of sqrtm(a @ b) for symmetric PSD ``a`` and ``b``.

    Uses sqrt(a) b sqrt(a), which is symmetric PSD and has the same
    eigenvalues as a b; tiny negative eigenvalues from round-off are
    clipped to 0 (the usual "small imaginary part" of scipy's sqrtm).
    """
    w, v = np.linalg.eigh(a)
    sqrt_a = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = sqrt_a @ b @ sqrt_a
    m = (m + m.T) / 2.0
    ev = np.linalg.eigvalsh(m)
    return float(np.sum(np.sqrt(np.clip(ev, 0.0, None))))


def frechet_distance(images, reference, classifier=None):
    """Frechet distance between Gaussian fits of classifier features (FID analogue).

    Fits a Gaussian (mean ``mu``, covariance ``S``) to the 128
    penultimate-layer features (:func:`features`) of each image set and
    returns ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))``. It is 0 for two
    sets with identical feature statistics and grows without bound as they
    differ; lower is better. Like FID, it is biased upwards for small sets:
    compare sets of the same size.

    The features come from this package's small MNIST classifier, not
    Inception-v3, so the numbers are **not comparable to FID numbers from
    papers**.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        Images to assess (at least 2), uint8 in 0-255 or floats in [0, 1].
    reference : array-like of shape (m, 28, 28), (m, 28, 28, 1) or (m, 784)
        Reference images (at least 2), usually real test digits.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    distance : float
        Non-negative.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> import numpy as np
    >>> from mnistgen.metrics import frechet_distance
    >>> _, (x_test, _) = load_mnist()
    >>> frechet_distance(x_test[:200], x_test[:200]) < 1e-6
    True
    >>> noise = np.random.default_rng(0).random((200, 28, 28))
    >>> frechet_distance(noise, x_test[:200]) > 100
    True
    """
    x = _check(images, "images", min_samples=2, classifier=classifier)
    r = _check(reference, "reference", min_samples=2, classifier=classifier)
    return _frechet_from_features(_outputs(x, classifier)[1], _outputs(r, classifier)[1])


def _frechet_from_features(f1, f2):
    mu1, mu2 = f1.mean(axis=0), f2.mean(axis=0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    d = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * _sqrtm_psd_product(s1, s2))
    return max(d, 0.0)


def _sq_dists(a, b):
    """Squared Euclidean distances between rows of ``a`` and ``b``."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _knn_radii(f, k):
    """Squared distance of each row of ``f`` to its k-th nearest other row."""
    radii = np.empty(len(f))
    for i in range(0, len(f), _BATCH):
        d = _sq_dists(f[i : i + _BATCH], f)
        # column 0 of the partition is the point itself (distance 0)
        radii[i : i + _BATCH] = np.partition(d, k, axis=1)[:, k]
    return radii


def _coverage_of(queries, support, radii):
    """Share of ``queries`` within the k-NN ball of at least one support point."""
    inside = np.zeros(len(queries), dtype=bool)
    for i in range(0, len(queries), _BATCH):
        d = _sq_dists(queries[i : i + _BATCH], support)
        inside[i : i + _BATCH] = (d <= radii[None, :]).any(axis=1)
    return float(inside.mean())


def precision_recall(images, reference, k=3, classifier=None):
    """k-NN manifold precision and recall (Kynkaanniemi et al., 2019).

    Each set's manifold is approximated, in a feature space of the
    classifier, by the union of balls around its points whose radius is the
    distance to the point's ``k``-th nearest neighbour in the same set.
    *Precision* is the share of generated images inside the real manifold
    (are they realistic?); *recall* the share of real images inside the
    generated manifold (is the variety covered?). Both range from 0 to 1,
    higher is better. Compare sets of equal size with the same ``k``.

    The feature space is the classifier's 1024 flattened convolutional
    features (the output of its last pooling layer), each vector scaled to
    unit length, so distances are cosine-like: on the 128 dense features of
    :func:`features` pure noise lands near the origin, inside the k-NN balls
    of faint real digits (precision 1.0); here it gets a precision of 0.

    The features come from this package's small MNIST classifier, not an
    Inception network: the numbers are **not comparable to papers'**.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        Generated images (more than ``k``), uint8 or floats in [0, 1].
    reference : array-like of shape (m, 28, 28), (m, 28, 28, 1) or (m, 784)
        Real images (more than ``k``).
    k : int, default=3
        Neighbourhood size.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    precision : float
        In [0, 1].
    recall : float
        In [0, 1].

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> import numpy as np
    >>> from mnistgen.metrics import precision_recall
    >>> (x_train, _), (x_test, _) = load_mnist()
    >>> p, r = precision_recall(x_train[:300], x_test[:300])
    >>> p > 0.6 and r > 0.6
    True
    >>> noise = np.random.default_rng(0).random((300, 784))
    >>> precision_recall(noise, x_test[:300])[0]
    0.0
    """
    k = check_positive_int("k", k)
    x = _check(images, "images", min_samples=k + 1, classifier=classifier)
    r = _check(reference, "reference", min_samples=k + 1, classifier=classifier)
    fx, fr = _outputs(x, classifier)[2], _outputs(r, classifier)[2]
    precision = _coverage_of(fx, fr, _knn_radii(fr, k))
    recall = _coverage_of(fr, fx, _knn_radii(fx, k))
    return precision, recall


def sharpness(images):
    """Mean squared Laplacian response: a classifier-free measure of blur.

    Convolves each image (pixels scaled to [0, 1]) with the 4-neighbour
    discrete Laplacian ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` on its
    interior 26x26 pixels and averages the squared response over pixels and
    images. Sharp strokes with abrupt ink/background edges give large
    values; blurry, smoothed digits give small ones; a constant image gives
    0. The range is 0 to 20 (the upper bound is reached only by a
    checkerboard); real MNIST test digits score about 0.2. It does not say
    whether the images look like digits -- pure noise is very "sharp" -- so
    read it next to :func:`frechet_distance`. It is defined here and has no
    counterpart in the literature.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1].

    Returns
    -------
    sharpness : float
        In [0, 20]; higher is sharper.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import sharpness
    >>> from scipy.ndimage import gaussian_filter
    >>> _, (x_test, _) = load_mnist()
    >>> real = x_test[:100] / 255.0
    >>> blurred = gaussian_filter(real, sigma=(0, 1, 1))
    >>> sharpness(real) > 2 * sharpness(blurred)
    True
    """
    flat, image_shape, _ = check_images(images, what="images")
    x = flat.reshape((-1,) + channels_last(image_shape)).astype(np.float64)
    if min(x.shape[1:3]) < 3:
        raise ValueError(f"sharpness needs images of at least 3x3 pixels, got {x.shape[1]}x{x.shape[2]}.")
    lap = (
        x[:, :-2, 1:-1] + x[:, 2:, 1:-1] + x[:, 1:-1, :-2] + x[:, 1:-1, 2:]
        - 4.0 * x[:, 1:-1, 1:-1]
    )
    return float(np.mean(lap**2))


def reference_features(reference, classifier=None):
    """Classifier features of real images, to judge many image sets against.

    Parameters
    ----------
    reference : array-like of shape (m, 28, 28), (m, 28, 28, 1) or (m, 784)
        Real images, uint8 or floats in [0, 1].
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    feats : tuple of ndarray
        ``(dense features, normalised convolutional features)``, what
        :func:`frechet_distance` and :func:`precision_recall` compare; pass
        it as :func:`evaluate`'s ``reference``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import reference_features
    >>> _, (x_test, _) = load_mnist()
    >>> [f.shape for f in reference_features(x_test[:50])]
    [(50, 128), (50, 1024)]
    """
    return tuple(_outputs(_check(reference, "reference", min_samples=2, classifier=classifier),
                          classifier)[1:])


def evaluate(images, reference, k=3, labels=None, classifier=None):
    """Every metric of ``images`` against ``reference``, from one classifier pass.

    The numbers of :func:`frechet_distance`, :func:`classifier_score`,
    :func:`class_coverage`, :func:`precision_recall` and :func:`sharpness`,
    with each set's classifier outputs computed once.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        Generated images (more than ``k``), uint8 or floats in [0, 1].
    reference : array-like of real images (more than ``k``), or :func:`reference_features` of them
    k : int, default=3
        Neighbourhood size of precision and recall.
    labels : array-like of shape (n,) of int, default=None
        The digits asked of a conditional model, one per image: adds the
        share the classifier reads as the digit asked for.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    scores : dict of str to float
        ``"FD"`` (Frechet distance), ``"CS"`` (classifier score), ``"min
        share"`` (the rarest digit's share), ``"precision"``, ``"recall"``,
        ``"sharpness"`` and, with ``labels``, ``"label acc"``.

    Examples
    --------
    >>> from mnistgen.datasets import load_mnist
    >>> from mnistgen.metrics import evaluate, frechet_distance
    >>> (x_train, _), (x_test, _) = load_mnist()
    >>> scores = evaluate(x_train[:300], x_test[:300])
    >>> sorted(scores)
    ['CS', 'FD', 'min share', 'precision', 'recall', 'sharpness']
    >>> bool(abs(scores["FD"] - frechet_distance(x_train[:300], x_test[:300])) < 1e-6)
    True
    """
    k = check_positive_int("k", k)
    ref_dense, ref_conv = (reference if isinstance(reference, tuple)
                           else reference_features(reference, classifier))
    if len(ref_conv) <= k:
        raise ValueError(f"reference holds {len(ref_conv)} image(s), but at least {k + 1} are needed here.")
    x = _check(images, "images", min_samples=k + 1, classifier=classifier)
    proba, dense, conv = _outputs(x, classifier)
    shares = np.bincount(proba.argmax(1), minlength=proba.shape[1]) / len(proba)
    scores = {
        "FD": _frechet_from_features(dense, ref_dense),
        "CS": _score_from_proba(proba),
        "min share": float(shares.min()),
        "precision": _coverage_of(conv, ref_conv, _knn_radii(ref_conv, k)),
        "recall": _coverage_of(ref_conv, conv, _knn_radii(conv, k)),
        "sharpness": sharpness(images),
    }
    if labels is not None:
        from ._validation import check_labels

        scores["label acc"] = float(np.mean(proba.argmax(1) == check_labels(labels, len(x))))
    return scores
