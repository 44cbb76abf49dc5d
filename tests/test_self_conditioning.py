"""Self-conditioning: a GAN conditioned on k-means clusters of unlabelled images."""
import numpy as np
import pytest
from conftest import SMALL_GAN

from mnistgen import GANGenerator, load
from mnistgen._clusters import Clusters


def _fit(images, **params):
    return GANGenerator(**{**SMALL_GAN, "epochs": 1, "self_conditioning": 3, **params}).fit(images)


def test_clusters_are_found_without_labels_and_sampled_in_their_shares(images):
    gan = _fit(images)
    assert gan.classes_.tolist() == [0, 1, 2]
    ids = gan._clusters.assign(images.reshape(len(images), -1).astype(np.float32) / 255)
    np.testing.assert_allclose(gan.class_prior_, np.bincount(ids, minlength=3) / len(ids))
    assert [t.shape[-1] for t in gan.generator_.inputs] == [SMALL_GAN["latent_dim"], 3]
    samples = gan.sample(7, random_state=0)
    assert samples.shape == (7, 8, 8) and samples.dtype == np.float32
    assert 0.0 <= samples.min() and samples.max() <= 1.0
    assert gan.sample(2, y=[2, 2], random_state=0).shape == (2, 8, 8)  # one cluster, asked for


def test_clusters_match_a_direct_computation():
    """Nearest centre in the PCA space, as scikit-learn's PCA and KMeans give it."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    X = np.random.default_rng(1).random((200, 30), dtype=np.float32)
    clusters, ids = Clusters.fit(X, 4, seed=5)
    pca = PCA(n_components=30, random_state=5).fit(X)
    kmeans = KMeans(n_clusters=4, n_init=3, random_state=5).fit(pca.transform(X))
    np.testing.assert_allclose(clusters.centers, kmeans.cluster_centers_, rtol=1e-4, atol=1e-5)
    f = pca.transform(X)
    want = np.argmin(((f[:, None, :] - kmeans.cluster_centers_[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(ids, want)


def test_clusters_are_reproducible_from_random_state(images):
    a, b = _fit(images, random_state=3), _fit(images, random_state=3)
    for name, value in a._clusters.state().items():
        np.testing.assert_array_equal(value, b._clusters.state()[name])
    np.testing.assert_array_equal(a.sample(5, random_state=1), b.sample(5, random_state=1))


def test_clusters_are_saved_pickled_and_kept_by_partial_fit(images, tmp_path):
    import pickle

    gan = _fit(images)
    again = load(gan.save(tmp_path / "gan.mnistgen"))
    copy = pickle.loads(pickle.dumps(gan))
    for other in (again, copy):
        for name, value in gan._clusters.state().items():
            np.testing.assert_array_equal(other._clusters.state()[name], value)
        np.testing.assert_array_equal(other.sample(4, random_state=2), gan.sample(4, random_state=2))
    centers = again._clusters.centers.copy()
    again.partial_fit(images)
    assert again.n_iter_ == 2
    np.testing.assert_array_equal(again._clusters.centers, centers)


@pytest.mark.parametrize("params, match", [
    ({"conditional": True}, "self_conditioning=3 was given with conditional=True"),
    ({"self_conditioning": 500}, "more clusters than there are training images"),
])
def test_bad_combinations_raise(images, params, match):
    with pytest.raises(ValueError, match=match):
        _fit(images, **params).fit(images, np.arange(len(images)) % 2)


@pytest.mark.parametrize("changed", [None, 5])
def test_self_conditioning_cannot_be_changed_after_fitting(images, tmp_path, changed):
    gan = _fit(images)
    gan.set_params(self_conditioning=changed)
    with pytest.raises(ValueError, match="self_conditioning was changed after fitting"):
        gan.partial_fit(images)
    with pytest.raises(ValueError, match="self_conditioning was changed after fitting"):
        gan.save(tmp_path / "gan.mnistgen")
    assert not (tmp_path / "gan.mnistgen").exists()


def test_a_failed_refit_keeps_the_fitted_seed(images):
    gan = _fit(images, random_state=None)
    seed = gan._seed
    with pytest.raises(ValueError, match="more clusters"):
        gan.set_params(self_conditioning=500).fit(images)
    assert gan._seed == seed


def test_a_file_whose_clusters_disagree_with_its_parameters_is_refused(images, tmp_path):
    import io
    import json
    import zipfile

    path = _fit(images).save(tmp_path / "gan.mnistgen")
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    with np.load(io.BytesIO(members["extra.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["cluster_centers"] = arrays["cluster_centers"][:2]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members["extra.npz"] = buf.getvalue()
    bad = tmp_path / "bad.mnistgen"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="bad.mnistgen.*clusters disagree"):
        load(bad)
    meta = json.loads(members["mnistgen.json"])
    meta["params"]["self_conditioning"] = None
    members["mnistgen.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="bad.mnistgen"):
        load(bad)


@pytest.mark.parametrize("value", [1, 0, 2.5, "10"])
def test_bad_values_raise(value, images):
    with pytest.raises((ValueError, TypeError), match="self_conditioning"):
        _fit(images, self_conditioning=value)
