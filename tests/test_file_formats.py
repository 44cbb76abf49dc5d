"""Model files of every format version load in this version, samples intact.

``tests/fixtures`` holds a small model file of each format version
(``format1_*``: the parameters of version 0.1 only; ``format2_*``: a VAE with
a latent sampler) and the samples each drew when it was written
(``expected_samples.npz``, ``random_state=1``). The compatibility policy
(CHANGELOG.md): every release loads the files of every earlier release.
"""
from pathlib import Path

import numpy as np
import pytest

from mnistgen import load
from mnistgen.persistence import FORMAT_VERSION

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p.stem for p in FIXTURES.glob("format*.mnistgen"))


def _keras_that_wrote(path):
    """The Keras version recorded in the first network of a model file."""
    import io
    import json
    import zipfile

    with zipfile.ZipFile(path) as outer:
        member = next(n for n in outer.namelist() if n.endswith(".keras"))
        with zipfile.ZipFile(io.BytesIO(outer.read(member))) as inner:
            return json.loads(inner.read("metadata.json"))["keras_version"]


def load_fixture(name):
    """Load a fixture, skipping where the installed Keras is older than the
    one that wrote it: Keras reads the files of older Keras releases, not of
    newer ones (its layer configurations gain keys), whatever mnistgen does."""
    import keras

    path = FIXTURES / f"{name}.mnistgen"
    wrote = _keras_that_wrote(path)
    if _version(keras.__version__) < _version(wrote):
        pytest.skip(f"{path.name} was written by Keras {wrote}; Keras {keras.__version__} "
                    "cannot read a newer Keras's files")
    return load(path)


def _version(text):
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def test_there_is_a_fixture_of_every_format_version():
    versions = {int(name.split("_")[0][len("format"):]) for name in FILES}
    assert versions == set(range(1, FORMAT_VERSION + 1))


@pytest.mark.parametrize("name", FILES)
def test_old_files_load_and_sample_as_they_did(name):
    est = load_fixture(name)
    if "latent_samplers_" in vars(est):  # its draws depend on how sklearn fits the sampler
        _check_refitted_sampler(est, FIXTURES / f"{name}.mnistgen")
    else:  # the networks' own weights: the very samples of the day
        with np.load(FIXTURES / "expected_samples.npz") as expected:
            np.testing.assert_allclose(est.sample(4, random_state=1), expected[name], atol=1e-6)
    assert est.n_iter_ == 1 and est.image_shape_ == (8, 8)


def _check_refitted_sampler(est, path):
    """The loaded sampler is the file's sampler class and parameters fitted on the
    file's latents, and the model draws reproducible images with it."""
    import io
    import json
    import zipfile

    from sklearn.mixture import GaussianMixture

    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("mnistgen.json"))["extra"]
        with np.load(io.BytesIO(zf.read("extra.npz"))) as npz:
            latents = npz["latents"]
    assert meta["class"] == "GaussianMixture"
    want = GaussianMixture(**meta["params"]).fit(latents.astype(np.float64))
    (got,) = est.latent_samplers_
    assert isinstance(got, GaussianMixture) and got.get_params() == want.get_params()
    for attr in ("means_", "weights_", "covariances_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(want, attr), rtol=1e-5, atol=1e-6)
    drawn = est.sample(4, random_state=1)
    np.testing.assert_array_equal(drawn, est.sample(4, random_state=1))
    assert drawn.shape == (4, 8, 8) and drawn.min() >= 0 and drawn.max() <= 1


def test_format1_files_get_todays_defaults_for_newer_parameters():
    gan = load_fixture("format1_gan")
    assert (gan.loss, gan.ema, gan.early_stopping) == ("bce", None, False)


def test_a_conv_vae_of_before_conv_dense_units_keeps_its_networks():
    """conv_dense_units came with a new default, (512, 256): a file written before it
    describes the networks it holds, without dense layers (persistence._BEFORE_THEY_EXISTED)."""
    vae = load_fixture("format1_conv_vae")
    assert vae.architecture == "conv" and vae.conv_dense_units == ()
    assert not [layer for layer in vae.encoder_.layers if layer.name.startswith("hidden")]
    from sklearn.base import clone

    X = np.random.default_rng(0).random((40, 8, 8), dtype=np.float32)
    refit = clone(vae).set_params(epochs=1).fit(X)  # the clone builds the same networks again
    assert [w.shape for w in refit.encoder_.get_weights()] == [w.shape for w in vae.encoder_.get_weights()]
