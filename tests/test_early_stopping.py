"""Validation and early stopping: held-out scores per epoch, stopping, best weights."""
import keras
import numpy as np
import pytest
from sklearn.base import clone

from mnistgen import GANGenerator, VAEGenerator, load

from conftest import SMALL_GAN, SMALL_VAE


class _Snapshots(keras.callbacks.Callback):
    """Keeps the estimator's network weights and the logs after every epoch."""

    def __init__(self, attribute):
        super().__init__()
        self.attribute = attribute
        self.weights, self.logs = [], []

    def set_estimator(self, est):
        self.est = est

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in getattr(self.est, self.attribute).get_weights()])
        self.logs.append(dict(logs))


def test_vae_stops_on_a_plateau_of_the_validation_loss(digits):
    # a learning rate this small barely moves the loss: a plateau under tol=1 nat
    vae = VAEGenerator(**{**SMALL_VAE, "epochs": 30}, learning_rate=1e-9, early_stopping=True,
                       n_iter_no_change=3, tol=1.0).fit(digits)
    assert vae.n_iter_ == 4 < 30  # epoch 1 sets the best; 3 epochs without change stop it
    assert len(vae.history_["val_loss"]) == len(vae.history_["loss"]) == 4
    assert vae.best_epoch_ == int(np.argmin(vae.history_["val_loss"])) + 1


def test_vae_does_not_stop_while_the_validation_loss_improves(digits):
    vae = VAEGenerator(**{**SMALL_VAE, "epochs": 6}, early_stopping=True, n_iter_no_change=2,
                       tol=0.0).fit(digits)
    val = vae.history_["val_loss"]
    assert vae.n_iter_ == 6 and all(b < a for a, b in zip(val, val[1:]))
    assert vae.best_epoch_ == 6 and vae.best_validation_score_ == val[-1]


def test_the_best_epochs_weights_are_restored(digits):
    # 30 training images and a large learning rate: the held-out loss turns up
    snapshots = _Snapshots("encoder_")
    vae = VAEGenerator(hidden_units=(256,), epochs=25, batch_size=10, learning_rate=3e-3,
                       random_state=0, early_stopping=True, validation_fraction=0.5,
                       n_iter_no_change=4, callbacks=[snapshots]).fit(digits[:60])
    val = vae.history_["val_loss"]
    assert vae.best_epoch_ < vae.n_iter_, val  # it did stop after the best epoch
    assert [log["val_loss"] for log in snapshots.logs] == val  # callbacks see the score
    for got, best in zip(vae.encoder_.get_weights(), snapshots.weights[vae.best_epoch_ - 1]):
        np.testing.assert_array_equal(got, best)
    assert vae.best_validation_score_ == min(val)


def test_gan_records_a_validation_frechet_distance(digits, tmp_path):
    gan = GANGenerator(**{**SMALL_GAN, "epochs": 3}, early_stopping=True).fit(digits)
    fd = gan.history_["val_frechet_distance"]
    assert len(fd) == 3 and all(np.isfinite(fd)) and min(fd) > 0
    assert gan.best_validation_score_ == min(fd)
    loaded = load(gan.save(tmp_path / "g.mnistgen"))
    assert loaded.best_epoch_ == gan.best_epoch_ and loaded.history_ == gan.history_


def test_gan_validation_on_other_data_uses_pca_features():
    X = np.random.default_rng(0).random((80, 16, 16, 3)).astype(np.float32)
    gan = GANGenerator(**SMALL_GAN, early_stopping=True, validation_features="auto").fit(X)
    assert len(gan.history_["val_frechet_distance"]) == 2
    with pytest.raises(ValueError, match="fit_classifier"):
        GANGenerator(**SMALL_GAN, early_stopping=True, validation_features="mnist").fit(X)


def test_conditional_split_keeps_every_class(digits, digit_labels):
    from mnistgen._early_stopping import split_validation
    from mnistgen._validation import one_hot

    labels = one_hot(digit_labels, 10)
    X_train, l_train, X_val, l_val = split_validation(
        digits.reshape(len(digits), -1), labels, 0.2, seed=0)
    assert len(X_val) == int(np.ceil(0.2 * len(digits))) and len(X_train) + len(X_val) == len(digits)
    assert set(l_val.argmax(1)) == set(digit_labels)
    est = VAEGenerator(**SMALL_VAE, conditional=True, early_stopping=True).fit(digits, digit_labels)
    assert len(est.history_["val_loss"]) == 2


def test_partial_fit_and_clone(digits):
    vae = VAEGenerator(**SMALL_VAE, early_stopping=True)
    vae.partial_fit(digits)  # partial_fit trains on everything, no validation
    assert "val_loss" not in vae.history_ and not hasattr(vae, "best_epoch_")
    assert clone(vae).get_params()["early_stopping"] is True


@pytest.mark.parametrize("params, match", [
    ({"validation_fraction": 0.0}, "validation_fraction"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"tol": -1.0}, "tol"),
])
@pytest.mark.parametrize("cls, small", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
def test_bad_values_are_named(digits, cls, small, params, match):
    with pytest.raises(ValueError, match=match):
        cls(**small, early_stopping=True, **params).fit(digits)


def test_bad_validation_features_and_too_few_images(digits):
    with pytest.raises(ValueError, match="validation_features"):
        GANGenerator(**SMALL_GAN, validation_features="inception").fit(digits)
    with pytest.raises(ValueError, match="validation_fraction"):
        VAEGenerator(**SMALL_VAE, early_stopping=True, validation_fraction=0.1).fit(digits[:5])
