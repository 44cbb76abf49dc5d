"""Sample-quality metrics for generated MNIST digits.

Every metric here looks at images through a small convolutional MNIST digit
classifier shipped with the package (``mnistgen/data/mnist_classifier.npz``,
trained by ``mnistgen/data/build_mnist_classifier.py``). They are the MNIST analogues of
the usual measures for generative models:

* :func:`classifier_score` -- the Inception-score analogue (1 to the
  classifier's number of classes ``K``: 10 for digits);
* :func:`frechet_distance` -- the FID analogue on the classifier's
  penultimate-layer features (0 and up);
* :func:`class_coverage` -- the share of each predicted class, which exposes
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
numbers reported in papers**; compare them only with each other. What the
models and real images score is on :doc:`/quality`.

Other data are judged through another classifier, passed to every function
as ``classifier=``: the shipped Fashion-MNIST one (``"fashion-mnist"``,
``mnistgen/data/fashion_mnist_classifier.npz``, trained by the same script
with ``--dataset fashion-mnist``), or one fitted on your own labelled images
by :func:`fit_classifier` (any size of at least 16x16, greyscale or colour,
any number of classes). The default, ``classifier=None``, is the MNIST digit
classifier.

All functions accept images in the layouts the estimators accept:
``(n, 28, 28)``, ``(n, 28, 28, 1)`` or ``(n, 784)`` for the MNIST
classifier, either integers in 0-255 (uint8) or floats in [0, 1].
TensorFlow is imported only when a classifier is first needed.
"""
# Two modules: _classifier.py, the classifiers' life cycle (build, fit, save,
# load, the shipped ones' cache, and reading images through a classifier),
# and _scores.py, the scores computed from what a classifier reads.
from . import _classifier
from ._classifier import (
    build_classifier,
    features,
    fit_classifier,
    load_classifier,
    predict_proba,
    save_classifier_weights,
)
from ._scores import (
    class_counts,
    class_coverage,
    classifier_score,
    evaluate,
    frechet_distance,
    precision_recall,
    reference_features,
    sharpness,
)

#: Path of the shipped MNIST classifier's weights (an ``.npz`` of float32 arrays).
CLASSIFIER_PATH = _classifier.CLASSIFIER_PATH
#: The shipped classifiers, by name (``"mnist"``, ``"fashion-mnist"``): their weight files.
SHIPPED_CLASSIFIERS = _classifier.SHIPPED_CLASSIFIERS

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
