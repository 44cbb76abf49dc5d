"""Tests of mnistgen.metrics on real MNIST digits, noise and degenerate sets."""
import os
import subprocess
import sys

import numpy as np
import pytest

from mnistgen import metrics
from mnistgen.datasets import load_mnist
from mnistgen.metrics._scores import frechet_from_features, knn_radii, manifold_coverage, score_from_proba

N = 500


@pytest.fixture(scope="module")
def data():
    (x_train, _), (x_test, y_test) = load_mnist()
    return x_train[:N], x_test, y_test


@pytest.fixture(scope="module")
def real(data):
    return data[1][:N]


@pytest.fixture(scope="module")
def noise():
    return np.random.default_rng(0).random((N, 28, 28)).astype(np.float32)


@pytest.fixture(scope="module")
def repeated(real):
    return np.repeat(real[:1], N, axis=0)


def test_import_does_not_load_tensorflow():
    code = "import sys, mnistgen, mnistgen.metrics; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()}, check=True)
    assert out.stdout.strip() == "False"


def test_shipped_classifier_small_and_accurate(data):
    _, x_test, y_test = data
    assert os.path.getsize(metrics.CLASSIFIER_PATH) <= 2 * 1024 * 1024
    pred = metrics.predict_proba(x_test[:2000]).argmax(axis=1)
    assert (pred == y_test[:2000]).mean() >= 0.99


def test_classifier_is_cached():
    assert metrics.load_classifier() is metrics.load_classifier()


def test_weights_file_has_no_pickles():
    with np.load(metrics.CLASSIFIER_PATH, allow_pickle=False) as npz:
        assert all(npz[k].dtype == np.float32 for k in npz.files)


def test_layouts_and_dtypes_agree(real):
    x = real[:50]
    ref = metrics.predict_proba(x)
    f = x.astype(np.float32) / 255.0
    for variant in (x[..., None], x.reshape(50, 784), f, f[..., None], f.reshape(50, 784)):
        np.testing.assert_allclose(metrics.predict_proba(variant), ref, atol=1e-5)


def test_classifier_score(real, noise, repeated):
    assert metrics.classifier_score(real) > 9
    assert metrics.classifier_score(repeated) == pytest.approx(1.0, abs=1e-3)
    assert metrics.classifier_score(noise) < 3
    for s in (metrics.classifier_score(real), metrics.classifier_score(noise)):
        assert 1.0 <= s <= 10.0


def test_score_from_proba_reaches_the_number_of_classes():
    """Confident predictions spread evenly over K classes score K, for any K."""
    for n_classes, used in ((20, 20), (20, 15), (10, 10), (2, 2)):
        p = np.eye(n_classes)[np.arange(6 * used) % used]
        assert score_from_proba(p) == pytest.approx(used, rel=1e-9)
    assert score_from_proba(np.full((40, 20), 1 / 20)) == pytest.approx(1.0)


def _twenty_classes(n_per_class):
    """16x16 images of 20 channels, channel y lit: 20 easy classes."""
    y = np.arange(20 * n_per_class) % 20
    X = np.zeros((len(y), 16, 16, 20), np.float32)
    X[np.arange(len(y)), :, :, y] = 1.0
    return X, y


def test_classifier_score_of_a_20_class_classifier():
    """The score of a K-class classifier goes up to K: it was clipped at 10."""
    X, y = _twenty_classes(10)
    classifier = metrics.fit_classifier(X, y, epochs=10, batch_size=8)
    p = metrics.predict_proba(X, classifier=classifier)
    assert p.shape == (200, 20)
    p_y = p.mean(axis=0)
    expected = np.exp(np.mean(np.sum(p * (np.log(p + 1e-12) - np.log(p_y + 1e-12)), axis=1)))
    score = metrics.classifier_score(X, classifier=classifier)
    assert score == pytest.approx(expected, rel=1e-9)
    assert 10.0 < score <= 20.0
    assert metrics.evaluate(X, X, classifier=classifier)["CS"] == pytest.approx(score, rel=1e-9)


def test_classifier_images_at_least_16x16():
    """The network's four convolutions and two poolings need 16x16 pixels."""
    assert metrics.build_classifier((16, 16, 1), n_classes=3).output_shape == (None, 3)
    with pytest.raises(ValueError, match="at least 16x16.*15x28"):
        metrics.build_classifier((15, 28, 1))


def test_class_coverage(real, repeated):
    shares = metrics.class_coverage(real)
    assert shares.shape == (10,)
    assert shares.sum() == pytest.approx(1.0)
    assert shares.min() > 0.05
    collapsed = metrics.class_coverage(repeated)
    assert collapsed.max() == pytest.approx(1.0)
    assert np.count_nonzero(collapsed) == 1
    counts = metrics.class_counts(real)
    assert counts.sum() == N and counts.dtype == np.int64


def test_frechet_distance(data, real, noise):
    x_train = data[0]
    self_d = metrics.frechet_distance(real, real)
    assert self_d == pytest.approx(0.0, abs=1e-4)
    real_d = metrics.frechet_distance(x_train, real)
    noise_d = metrics.frechet_distance(noise, real)
    assert noise_d > 20 * real_d
    assert noise_d > 100
    # symmetric
    assert metrics.frechet_distance(real, noise) == pytest.approx(noise_d, rel=1e-6)


def test_frechet_matches_scipy_sqrtm():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(1)
    f1 = rng.normal(size=(200, 6))
    f2 = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 1.0
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    covmean = np.real(sqrtm(s1 @ s2))
    expected = np.sum((f1.mean(0) - f2.mean(0)) ** 2) + np.trace(s1 + s2 - 2 * covmean)
    assert frechet_from_features(f1, f2) == pytest.approx(expected, rel=1e-8)


def test_precision_recall(data, real, noise, repeated):
    x_train = data[0]
    p, r = metrics.precision_recall(x_train, real)
    assert p > 0.7 and r > 0.7
    p, r = metrics.precision_recall(noise, real)
    assert p == 0.0 and r == 0.0
    # a single repeated real digit is realistic but covers nothing
    p, r = metrics.precision_recall(repeated, real)
    assert p == 1.0 and r < 0.1


def test_precision_recall_matches_loop():
    rng = np.random.default_rng(2)
    a, b, k = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) + 0.5, 3

    def manifold(q, s):
        rad = [np.sort(np.linalg.norm(s - p, axis=1))[k] for p in s]
        return np.mean([any(np.linalg.norm(x - s[j]) <= rad[j] for j in range(len(s))) for x in q])

    prec = manifold_coverage(a, b, knn_radii(b, k))
    rec = manifold_coverage(b, a, knn_radii(a, k))
    assert prec == pytest.approx(manifold(a, b))
    assert rec == pytest.approx(manifold(b, a))


def test_sharpness(real):
    from scipy.ndimage import gaussian_filter

    x = real / 255.0
    s = metrics.sharpness(real)
    assert s == pytest.approx(metrics.sharpness(x), rel=1e-5)
    assert metrics.sharpness(gaussian_filter(x, sigma=(0, 1, 1))) < s / 2
    assert metrics.sharpness(np.full((3, 28, 28), 0.5)) == 0.0
    checker = (np.indices((28, 28)).sum(0) % 2).astype(float)[None]
    assert metrics.sharpness(checker) == pytest.approx(16.0)
    assert 0.0 <= s <= 20.0


@pytest.mark.parametrize(
    "fn", [metrics.classifier_score, metrics.class_coverage, metrics.features],
)
def test_wrong_image_size_raises(fn):
    with pytest.raises(ValueError, match="28x28.*8x8|8x8"):
        fn(np.zeros((5, 8, 8)))
    with pytest.raises(ValueError, match="28x28"):
        fn(np.zeros((5, 100)))


@pytest.mark.parametrize("fn", [metrics.frechet_distance, metrics.precision_recall])
def test_pairwise_bad_inputs(fn, real):
    with pytest.raises(ValueError, match="reference.*28x28"):
        fn(real[:10], np.zeros((10, 32, 32)))
    with pytest.raises(ValueError, match="at least"):
        fn(real[:1], real[:10])
    with pytest.raises(ValueError, match="float"):
        fn(real[:10] * 2.0, real[:10])
    with pytest.raises(TypeError):
        fn(np.full((5, 28, 28), "a"), real[:10])
    with pytest.raises(ValueError, match="NaN"):
        fn(np.full((5, 28, 28), np.nan), real[:10])


def test_precision_recall_k(real):
    with pytest.raises(ValueError, match="at least 6"):
        metrics.precision_recall(real[:5], real[:50], k=5)
    with pytest.raises(ValueError, match="k must"):
        metrics.precision_recall(real[:50], real[:50], k=0)
    with pytest.raises(TypeError, match="k must"):
        metrics.precision_recall(real[:50], real[:50], k=2.5)


def test_bad_values_raise():
    with pytest.raises(ValueError, match="0-255"):
        metrics.classifier_score(np.full((4, 28, 28), 300))
    with pytest.raises(ValueError, match="empty"):
        metrics.sharpness(np.zeros((0, 28, 28)))
    with pytest.raises(ValueError, match="28x28x3.*fit_classifier"):
        metrics.class_coverage(np.zeros((4, 28, 28, 3)))
    with pytest.raises(ValueError, match="at least 3x3"):  # sharpness takes any other size
        metrics.sharpness(np.zeros((4, 2, 8)))
