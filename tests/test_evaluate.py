"""Evaluating a model: metrics on other data, a user's classifier, ``mnistgen evaluate``."""
import json

import numpy as np
import pytest

from mnistgen import metrics
from mnistgen.cli import main


def _two_class_rgb(n=96, seed=0):
    """Dark and bright 16x16 RGB images: two easy classes."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = (rng.random((n, 16, 16, 3)) < 0.15 + 0.7 * y[:, None, None, None]).astype(np.uint8) * 255
    return X, y


@pytest.fixture(scope="module")
def rgb_classifier():
    X, y = _two_class_rgb(256)
    return metrics.fit_classifier(X, y, epochs=5, batch_size=32)


def test_fit_classifier_learns_the_classes_and_feeds_every_metric(rgb_classifier):
    X, y = _two_class_rgb(40, seed=1)
    proba = metrics.predict_proba(X, classifier=rgb_classifier)
    assert proba.shape == (40, 2) and (proba.argmax(1) == y).mean() > 0.9
    assert metrics.class_coverage(X, classifier=rgb_classifier).tolist() == pytest.approx([0.5, 0.5], abs=0.1)
    scores = metrics.evaluate(X, X, classifier=rgb_classifier, labels=y)
    assert scores["FD"] < 1e-6 and scores["label acc"] > 0.9 and scores["min share"] > 0.4
    assert metrics.frechet_distance(X[y == 0], X[y == 1], classifier=rgb_classifier) > 1.0


def test_a_saved_classifier_loads_with_its_shape(tmp_path, rgb_classifier):
    path = tmp_path / "c.npz"
    metrics.save_classifier_weights(rgb_classifier, path)
    loaded = metrics.load_classifier(path)
    assert loaded.input_shape == (None, 16, 16, 3) and loaded.output_shape == (None, 2)
    X, _ = _two_class_rgb(8)
    np.testing.assert_allclose(metrics.predict_proba(X, classifier=str(path)),
                               metrics.predict_proba(X, classifier=rgb_classifier), rtol=1e-5)


def test_the_shipped_fashion_classifier_reads_clothes_not_digits():
    fashion = metrics.load_classifier("fashion-mnist")
    assert fashion is metrics.load_classifier("fashion-mnist")
    assert fashion.input_shape == (None, 28, 28, 1) and fashion.output_shape == (None, 10)
    assert fashion is not metrics.load_classifier()


def test_the_wrong_size_for_a_classifier_is_a_clear_error(rgb_classifier):
    with pytest.raises(ValueError, match="28x28 images.*fit_classifier"):
        metrics.evaluate(np.zeros((10, 16, 16, 3)), np.zeros((10, 16, 16, 3)))
    with pytest.raises(ValueError, match="16x16x3"):
        metrics.features(np.zeros((4, 28, 28)), classifier=rgb_classifier)
    with pytest.raises(TypeError, match="classifier must be"):
        metrics.evaluate(np.zeros((10, 28, 28)), np.zeros((10, 28, 28)), classifier=5)
    with pytest.raises(FileNotFoundError):
        metrics.features(np.zeros((4, 28, 28)), classifier="no-such-file.npz")
    with pytest.raises(ValueError, match="y must hold class labels"):
        metrics.fit_classifier(np.zeros((4, 16, 16)), [-1, 0, 1, 0], epochs=1)


def test_sharpness_reads_colour_and_any_size():
    rng = np.random.default_rng(0)
    assert metrics.sharpness(rng.random((3, 10, 12, 3))) > 0
    assert metrics.sharpness(np.zeros((2, 5, 5, 3))) == 0.0


def _npz(path, n=120, labels=True):
    rng = np.random.default_rng(0)
    arrays = {"pictures": rng.integers(0, 256, (n, 16, 16), dtype=np.uint8)}
    if labels:
        arrays["kind"] = np.arange(n) % 2
    np.savez(path, **arrays)
    return path


def test_train_and_evaluate_on_own_data_from_the_command_line(tmp_path, capsys):
    data = _npz(tmp_path / "own.npz")
    out = tmp_path / "run"
    assert main(["train", "vae", "--data", str(data), "--conditional", "--epochs", "3",
                 "--early-stopping", "--validation-fraction", "0.2", "--out", str(out),
                 "--verbose", "0"]) == 0
    printed = capsys.readouterr().out
    assert "120 images of" in printed and "best epoch" in printed
    history = json.loads((out / "history.json").read_text())["history"]
    assert len(history["val_loss"]) == len(history["loss"]) >= 1
    picture, scores = tmp_path / "eval.png", tmp_path / "scores.json"
    assert main(["evaluate", str(out / "model.mnistgen"), "--data", str(data), "-n", "100",
                 "--out", str(picture), "--json", str(scores)]) == 0
    printed = capsys.readouterr().out
    assert "Fitting the metrics' classifier" in printed and "label acc" in printed
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(json.loads(scores.read_text())) >= {"FD", "precision", "recall", "label acc"}


def test_evaluate_on_mnist_with_the_shipped_classifier(tmp_path, capsys):
    out = tmp_path / "gan"
    assert main(["train", "gan", "--epochs", "1", "--n-train", "200", "--out", str(out),
                 "--verbose", "0"]) == 0
    assert main(["evaluate", str(out / "model.mnistgen"), "-n", "200",
                 "--out", str(tmp_path / "e.png")]) == 0
    assert "200 samples against 200 images of mnist" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["train", "vae", "--data", "{tmp}/missing"], "No such file or folder"),
    (["train", "vae", "--data", "{tmp}/unlabelled.npz", "--conditional"], "needs labels"),
    (["train", "vae", "--data", "{tmp}/own.npz", "--mnist", "x.npz"], "give one"),
    (["evaluate", "{tmp}/missing.mnistgen"], "missing.mnistgen"),
    (["train", "vae", "--validation-fraction", "x"], "--validation-fraction"),
])
def test_every_bad_path_or_option_is_one_line_and_status_2(tmp_path, capsys, argv, match):
    _npz(tmp_path / "own.npz")
    _npz(tmp_path / "unlabelled.npz", labels=False)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnistgen: error:") and err.count("\n") == 1 and match in err, err


def test_evaluate_without_labels_or_classifier_says_what_to_pass(tmp_path, capsys):
    data = _npz(tmp_path / "unlabelled.npz", labels=False)
    out = tmp_path / "run"
    assert main(["train", "vae", "--data", str(data), "--epochs", "1", "--out", str(out),
                 "--verbose", "0"]) == 0
    assert main(["evaluate", str(out / "model.mnistgen"), "--data", str(data)]) == 2
    assert "pass --classifier" in capsys.readouterr().err
    assert main(["evaluate", str(out / "model.mnistgen"), "--data", str(data),
                 "--classifier", "nope"]) == 2
    assert "no such shipped classifier" in capsys.readouterr().err
