"""The sample-quality scores: what they compute from a classifier's outputs.

Each public score checks its images and reads them through a classifier
(``_classifier.py``: :func:`check_classifier_images`,
:func:`classifier_outputs`); the arithmetic on the outputs is in functions
of their own (:func:`score_from_proba`, :func:`frechet_from_features`,
:func:`knn_radii` and :func:`manifold_coverage`), which :func:`evaluate` and
the estimators' early stopping reuse on outputs they already have.
"""
import numpy as np

from .._params import check_positive_int
from .._validation import channels_last, check_images
from ._classifier import check_classifier_images, classifier_outputs, predict_proba

_ROWS = 1000  # query rows per block of a distance matrix (memory: _ROWS x set size)


def classifier_score(images, eps=1e-12, classifier=None):
    """Inception-score analogue on a classifier: exp(E_x KL(p(y|x) || p(y))).

    High when each image is classified confidently (sharp p(y|x)) *and* the
    set covers all classes evenly (flat marginal p(y)). It ranges from 1
    (every image gets the same prediction, or no image is recognisable) to
    ``K``, the classifier's number of classes (confident predictions spread
    evenly over the ``K`` classes): 10 for the shipped MNIST and
    Fashion-MNIST classifiers. What real test images score is on
    :doc:`/quality`.

    The score uses this package's small classifiers, not Inception-v3: it is
    **not comparable to Inception-score numbers from papers**.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1] (another classifier's
        size for another ``classifier``).
    eps : float, default=1e-12
        Floor on probabilities inside the logarithms.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    score : float
        In [1, K].

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
    return score_from_proba(predict_proba(images, classifier), eps)


def score_from_proba(p, eps=1e-12):
    """The classifier score of class probabilities: exp(E_x KL(p(y|x) || p(y))).

    Parameters
    ----------
    p : ndarray of shape (n, K)
        Class probabilities, rows summing to 1.
    eps : float, default=1e-12
        Floor on probabilities inside the logarithms.

    Returns
    -------
    score : float
        In [1, K]: the mean KL divergence is the mutual information of image
        and class, between 0 and log K; the clip only removes round-off.
    """
    p_y = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(p_y + eps)), axis=1)
    return float(np.clip(np.exp(kl.mean()), 1.0, float(p.shape[1])))


def class_counts(images, classifier=None):
    """Number of images the classifier assigns to each class (for MNIST, digit).

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1] (another classifier's
        size for another ``classifier``).
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    counts : ndarray of shape (K,), dtype int64
        ``counts[k]`` images are predicted as class ``k`` of the classifier's
        ``K``; they sum to ``n``.

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
    """Share of each class among the images, as predicted by the classifier.

    Exposes mode collapse: a generator that covers all ``K`` classes evenly
    gives shares near ``1/K`` each (0.1 for the ten digits); a collapsed one
    piles its share on a few classes. ``class_coverage(x).min()`` (the
    smallest class share, 0 to ``1/K``) is a one-number summary. The shares
    are only as good as the classifier's predictions: the shipped
    classifiers' accuracies and the shares of real test images are on
    :doc:`/quality`.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1] (another classifier's
        size for another ``classifier``).
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    shares : ndarray of shape (K,), dtype float64
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

    The features come from this package's small classifiers, not
    Inception-v3, so the numbers are **not comparable to FID numbers from
    papers**.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        Images to assess (at least 2), uint8 in 0-255 or floats in [0, 1].
    reference : array-like of shape (m, 28, 28), (m, 28, 28, 1) or (m, 784)
        Reference images (at least 2), usually real test images.
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
    x = check_classifier_images(images, "images", min_samples=2, classifier=classifier)
    r = check_classifier_images(reference, "reference", min_samples=2, classifier=classifier)
    return frechet_from_features(classifier_outputs(x, classifier)[1],
                                 classifier_outputs(r, classifier)[1])


def frechet_from_features(f1, f2):
    """The Frechet distance between Gaussian fits of two sets of feature rows.

    Parameters
    ----------
    f1, f2 : ndarray of shape (n1, d) and (n2, d)
        Feature rows (at least 2 each), e.g. :func:`features` of two image
        sets or the estimators' validation features.

    Returns
    -------
    distance : float
        ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))``, non-negative.
    """
    mu1, mu2 = f1.mean(axis=0), f2.mean(axis=0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    d = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * _sqrtm_psd_product(s1, s2))
    return max(d, 0.0)


def _sq_dists(a, b):
    """Squared Euclidean distances between rows of ``a`` and ``b``."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def knn_radii(f, k):
    """Squared distance of each row of ``f`` to its ``k``-th nearest other row.

    Parameters
    ----------
    f : ndarray of shape (n, d)
        Feature rows, ``n > k``.
    k : int
        Neighbourhood size.

    Returns
    -------
    radii : ndarray of shape (n,)
        The squared radii of the rows' k-NN balls, the manifold of
        :func:`manifold_coverage`.
    """
    radii = np.empty(len(f))
    for i in range(0, len(f), _ROWS):
        d = _sq_dists(f[i : i + _ROWS], f)
        # column 0 of the partition is the point itself (distance 0)
        radii[i : i + _ROWS] = np.partition(d, k, axis=1)[:, k]
    return radii


def manifold_coverage(queries, support, radii):
    """Share of ``queries`` within the k-NN ball of at least one support row.

    Parameters
    ----------
    queries : ndarray of shape (n, d)
        The rows to place.
    support : ndarray of shape (m, d)
        The rows whose balls make the manifold.
    radii : ndarray of shape (m,)
        The squared radii of ``support``'s balls (:func:`knn_radii`).

    Returns
    -------
    share : float
        In [0, 1]: precision with generated queries and real support,
        recall the other way round.
    """
    inside = np.zeros(len(queries), dtype=bool)
    for i in range(0, len(queries), _ROWS):
        d = _sq_dists(queries[i : i + _ROWS], support)
        inside[i : i + _ROWS] = (d <= radii[None, :]).any(axis=1)
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

    The feature space is the classifier's flattened convolutional features
    (the output of its last pooling layer: 1024 for 28x28 images), each
    vector scaled to unit length, so distances are cosine-like. On the 128
    dense features of :func:`features`, pure noise lands near the origin,
    inside the k-NN balls of faint real digits, and would count as
    realistic; on these it lands outside them.

    The features come from this package's small classifiers, not an
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
    x = check_classifier_images(images, "images", min_samples=k + 1, classifier=classifier)
    r = check_classifier_images(reference, "reference", min_samples=k + 1, classifier=classifier)
    fx, fr = classifier_outputs(x, classifier)[2], classifier_outputs(r, classifier)[2]
    precision = manifold_coverage(fx, fr, knn_radii(fr, k))
    recall = manifold_coverage(fr, fx, knn_radii(fx, k))
    return precision, recall


def sharpness(images):
    """Mean squared Laplacian response: a classifier-free measure of blur.

    Convolves each image (pixels scaled to [0, 1]) with the 4-neighbour
    discrete Laplacian ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` on its
    interior pixels (26x26 of 28x28) and averages the squared response over
    pixels and images. Sharp strokes with abrupt ink/background edges give
    large values; blurry, smoothed digits give small ones; a constant image
    gives 0. The range is 0 to 20 (the upper bound is reached only by a
    checkerboard); what real test digits score is on :doc:`/quality`. It
    does not say whether the images look like digits -- pure noise is very
    "sharp" -- so read it next to :func:`frechet_distance`. It is defined
    here and has no counterpart in the literature.

    Parameters
    ----------
    images : array-like of shape (n, 28, 28), (n, 28, 28, 1) or (n, 784)
        uint8 images in 0-255 or floats in [0, 1]; any size of at least 3x3.

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
    x = check_classifier_images(reference, "reference", min_samples=2, classifier=classifier)
    return tuple(classifier_outputs(x, classifier)[1:])


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
        The classes asked of a conditional model, one per image: adds the
        share the classifier reads as the class asked for.
    classifier : keras.Model or str, default=None
        Reads the images: None (MNIST's), a name or file of :func:`load_classifier`, or a model.

    Returns
    -------
    scores : dict of str to float
        ``"FD"`` (Frechet distance), ``"CS"`` (classifier score), ``"min
        share"`` (the rarest class's share), ``"precision"``, ``"recall"``,
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
    x = check_classifier_images(images, "images", min_samples=k + 1, classifier=classifier)
    proba, dense, conv = classifier_outputs(x, classifier)
    shares = np.bincount(proba.argmax(1), minlength=proba.shape[1]) / len(proba)
    scores = {
        "FD": frechet_from_features(dense, ref_dense),
        "CS": score_from_proba(proba),
        "min share": float(shares.min()),
        "precision": manifold_coverage(conv, ref_conv, knn_radii(ref_conv, k)),
        "recall": manifold_coverage(ref_conv, conv, knn_radii(conv, k)),
        "sharpness": sharpness(images),
    }
    if labels is not None:
        from .._validation import check_labels

        scores["label acc"] = float(np.mean(proba.argmax(1) == check_labels(labels, len(x))))
    return scores
