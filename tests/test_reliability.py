"""Faults injected on purpose: divergence, interruption, checkpoints, memory, threads.

Each test here is listed on the reliability page of the docs
(``docs/reliability.rst``) next to the fault it injects.
"""
import os
import runpy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator, load

from conftest import SMALL_GAN, SMALL_VAE, weights_equal

ESTIMATORS = [(VAEGenerator, SMALL_VAE, "decoder_"), (GANGenerator, SMALL_GAN, "generator_")]
IDS = ["VAE", "GAN"]


def _nets(est):
    return [getattr(est, name) for name in est._network_attributes]


def _same_state(a, b):
    return all(weights_equal(x, y) for x, y in zip(_nets(a), _nets(b)))


def _poison_at(epoch_index, network):
    """A callback that sets every weight of ``network`` to NaN as epoch ``epoch_index`` begins."""
    import keras

    class Poison(keras.callbacks.Callback):
        def set_estimator(self, est):
            self.est = est

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == epoch_index:
                for w in getattr(self.est, network).weights:
                    w.assign(np.full(w.shape, np.nan, dtype="float32"))

    return Poison()


@pytest.mark.parametrize("cls, params, network", ESTIMATORS, ids=IDS)
def test_nan_loss_raises_naming_epoch_and_restores_last_good_epoch(cls, params, network, images):
    reference = cls(**{**params, "epochs": 2}).fit(images)
    est = cls(**{**params, "epochs": 4, "callbacks": [_poison_at(2, network)]})
    with pytest.raises(FloatingPointError, match=r"diverged: the loss '\w+' was nan in epoch 3.*end of epoch 2"):
        est.fit(images)
    assert est.n_iter_ == 2
    assert all(len(v) == 2 for v in est.history_.values())
    assert _same_state(est, reference)
    assert np.isfinite(est.sample(8)).all()


@pytest.mark.parametrize("cls, params, network", ESTIMATORS, ids=IDS)
def test_on_divergence_restore_warns_and_keeps_last_good_weights(cls, params, network, images):
    reference = cls(**{**params, "epochs": 1}).fit(images)
    est = cls(**{**params, "epochs": 3, "on_divergence": "restore",
                 "callbacks": [_poison_at(1, network)]})
    with pytest.warns(RuntimeWarning, match="in epoch 2"):
        assert est.fit(images) is est
    assert est.n_iter_ == 1 and _same_state(est, reference)
    # training goes on from the restored weights once the fault is gone
    est.set_params(callbacks=None, warm_start=True, epochs=1).fit(images)
    assert est.n_iter_ == 2 and np.isfinite(est.sample(4)).all()


def test_on_divergence_is_validated(images):
    with pytest.raises(ValueError, match="on_divergence"):
        VAEGenerator(**SMALL_VAE, on_divergence="ignore").fit(images)


def _interrupt_at(epoch_index):
    import keras

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == epoch_index:
                raise KeyboardInterrupt

    return Interrupt()


@pytest.mark.parametrize("cls, params, network", ESTIMATORS, ids=IDS)
def test_keyboard_interrupt_keeps_last_completed_epoch(cls, params, network, images):
    reference = cls(**{**params, "epochs": 2}).fit(images)
    est = cls(**{**params, "epochs": 5, "callbacks": [_interrupt_at(2)]})
    with pytest.warns(UserWarning, match=r"interrupted \(KeyboardInterrupt\) during epoch 3.*2 epoch"):
        assert est.fit(images) is est
    assert est.n_iter_ == 2
    assert all(len(v) == 2 for v in est.history_.values())
    assert est.history_ == reference.history_
    assert _same_state(est, reference)
    # partial_fit resumes from there
    est.set_params(callbacks=None).partial_fit(images)
    assert est.n_iter_ == 3 and all(len(v) == 3 for v in est.history_.values())


def test_checkpoints_every_k_epochs_and_resume(images, tmp_path):
    from mnistgen.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(tmp_path / "vae-{epoch}.mnistgen", every_n_epochs=2)
    est = VAEGenerator(**{**SMALL_VAE, "epochs": 5, "callbacks": [checkpoint]}).fit(images)
    assert [os.path.basename(p) for p in checkpoint.saved_] == ["vae-2.mnistgen", "vae-4.mnistgen"]
    at2 = load(checkpoint.saved_[0])
    reference = VAEGenerator(**{**SMALL_VAE, "epochs": 2}).fit(images)
    assert at2.n_iter_ == 2 and _same_state(at2, reference)
    assert at2.history_ == {k: v[:2] for k, v in est.history_.items()}
    resumed = at2.set_params(warm_start=True, epochs=3).fit(images)
    assert resumed.n_iter_ == 5
    assert all(len(v) == 5 for v in resumed.history_.values())


def test_checkpoint_validates_its_settings():
    from mnistgen.callbacks import ModelCheckpoint

    with pytest.raises(ValueError, match="every_n_epochs must be a positive integer"):
        ModelCheckpoint("x.mnistgen", every_n_epochs=0)


def test_checkpoint_without_estimator_says_so():
    from mnistgen.callbacks import ModelCheckpoint

    with pytest.raises(RuntimeError, match="only works in the callbacks of a mnistgen estimator"):
        ModelCheckpoint("x.mnistgen").on_epoch_end(0)


def test_sample_and_transform_from_many_threads(fitted_vae, fitted_gan, images):
    seeds = list(range(16))
    expected_vae = [fitted_vae.sample(50, random_state=s) for s in seeds]
    expected_gan = [fitted_gan.sample(50, random_state=s) for s in seeds]
    expected_z = fitted_vae.transform(images)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got_vae = list(pool.map(lambda s: fitted_vae.sample(50, random_state=s), seeds))
        got_gan = list(pool.map(lambda s: fitted_gan.sample(50, random_state=s), seeds))
        got_z = list(pool.map(lambda _: fitted_vae.transform(images), seeds))
    for a, b in zip(got_vae + got_gan, expected_vae + expected_gan):
        np.testing.assert_array_equal(a, b)
    for z in got_z:
        np.testing.assert_allclose(z, expected_z, rtol=1e-6, atol=1e-6)


def test_million_images_in_bounded_memory():
    """transform(1e6 images) and sample(1e6) hold at most chunks beyond their output."""
    bench = runpy.run_path(str(Path(__file__).resolve().parents[1] / "benchmarks" / "bench_memory.py"))
    m = bench["measure"]()
    # transform's output is 8 MB; a float copy of the input would be 3,000 MB.
    assert m["transform_added"] < 300, m
    # sample's output is 2,991 MB; anything beyond it must be chunk-sized.
    assert m["sample_added"] < m["sample_output"] + 300, m
