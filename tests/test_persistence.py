"""pickle/joblib and save/load round-trips; damaged files fail clearly."""
import io
import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pytest

import mnistgen
from mnistgen import GANGenerator, VAEGenerator, load

from conftest import SMALL_GAN, SMALL_VAE, networks_equal, weights_equal


@pytest.fixture(params=["fitted_vae", "fitted_gan"])
def fitted(request):
    return request.getfixturevalue(request.param)


def _same(a, b, images):
    np.testing.assert_array_equal(a.sample(6, random_state=1), b.sample(6, random_state=1))
    np.testing.assert_array_equal(a.sample(6), b.sample(6))
    assert a.get_params().keys() == b.get_params().keys()
    assert a.history_ == b.history_ and a.n_iter_ == b.n_iter_
    assert a.image_shape_ == b.image_shape_ and a.n_features_in_ == b.n_features_in_
    assert networks_equal(a, b)
    if hasattr(a, "transform"):
        np.testing.assert_array_equal(a.transform(images), b.transform(images))


def test_pickle_round_trip(fitted, images):
    again = pickle.loads(pickle.dumps(fitted))
    _same(fitted, again, images)
    assert again.get_params() == fitted.get_params()


def test_joblib_round_trip(fitted, images, tmp_path):
    joblib.dump(fitted, tmp_path / "m.joblib")
    _same(fitted, joblib.load(tmp_path / "m.joblib"), images)


def test_unfitted_pickles(images):
    est = pickle.loads(pickle.dumps(VAEGenerator(**SMALL_VAE)))
    assert est.get_params() == VAEGenerator(**SMALL_VAE).get_params()


def test_save_load_round_trip(fitted, images, tmp_path):
    path = tmp_path / "model.mnistgen"
    assert fitted.save(path) == str(path)
    again = load(path)
    assert type(again) is type(fitted)
    _same(fitted, again, images)
    assert again.get_params() == fitted.get_params()
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        meta = json.loads(zf.read("mnistgen.json"))
    # a model without a latent sampler is written in version 1, which every mnistgen reads
    assert meta["format"] == "mnistgen" and meta["format_version"] == 1 <= mnistgen.persistence.FORMAT_VERSION
    assert {f"{n}.keras" for n in fitted._network_attributes} <= names
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)


@pytest.mark.xla
@pytest.mark.parametrize("cls, params", [(VAEGenerator, SMALL_VAE), (GANGenerator, SMALL_GAN)])
def test_training_resumes_exactly_after_load(cls, params, images, tmp_path):
    """Optimizer state travels with the model: resuming after load == never saving."""
    a = cls(**params).fit(images)
    a.save(tmp_path / "a.mnistgen")
    b = load(tmp_path / "a.mnistgen")
    c = pickle.loads(pickle.dumps(a))
    for est in (a, b, c):
        est.partial_fit(images)
    for name in a._network_attributes:
        assert weights_equal(getattr(a, name), getattr(b, name))
        assert weights_equal(getattr(a, name), getattr(c, name))


def test_callbacks_and_random_state_instances_are_not_saved(images, tmp_path):
    import keras

    est = VAEGenerator(**{**SMALL_VAE, "random_state": np.random.RandomState(0)},
                       callbacks=[keras.callbacks.History()]).fit(images)
    est.save(tmp_path / "m.mnistgen")
    again = load(tmp_path / "m.mnistgen")
    assert again.callbacks is None and again.random_state is None


def test_save_is_atomic(fitted_vae, tmp_path, monkeypatch):
    path = tmp_path / "model.mnistgen"
    fitted_vae.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(mnistgen.persistence.zipfile.ZipFile, "writestr", boom)
    with pytest.raises(OSError, match="disk full"):
        fitted_vae.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.mnistgen"]  # no temporary file left behind


def _rewrite(src, dst, edit_meta=None, drop=(), replace=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name in drop:
                continue
            data = zin.read(name)
            if name == "mnistgen.json" and edit_meta:
                meta = json.loads(data)
                edit_meta(meta)
                data = json.dumps(meta).encode()
            if replace and name in replace:
                data = replace[name]
            zout.writestr(name, data)


@pytest.fixture
def saved(fitted_vae, tmp_path):
    return fitted_vae.save(tmp_path / "good.mnistgen")


def test_load_truncated_file(saved, tmp_path):
    data = open(saved, "rb").read()
    bad = tmp_path / "truncated.mnistgen"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.mnistgen"):
        load(bad)


def test_load_corrupted_file(saved, tmp_path):
    data = bytearray(open(saved, "rb").read())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("decoder_.keras")
    start = info.header_offset + 30 + len(info.filename)
    for i in range(start + 10, start + 60):
        data[i] ^= 0xFF
    bad = tmp_path / "corrupted.mnistgen"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted.mnistgen"):
        load(bad)


@pytest.mark.parametrize("content", [b"hello, this is text", b"", b"\x89PNG\r\n\x1a\n" + b"0" * 100])
def test_load_foreign_file(content, tmp_path):
    bad = tmp_path / "foreign.bin"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match="foreign.bin"):
        load(bad)


def test_load_zip_of_another_kind(tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match="not a mnistgen model file"):
        load(other)
    npz = tmp_path / "arrays.npz"
    np.savez(npz, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a mnistgen model file"):
        load(npz)


def test_load_future_version(saved, tmp_path):
    bad = tmp_path / "future.mnistgen"
    _rewrite(saved, bad, edit_meta=lambda m: m.update(format_version=99))
    with pytest.raises(ValueError, match="version 99"):
        load(bad)


def test_load_arrays_disagree_with_parameters(saved, tmp_path):
    bad = tmp_path / "mismatch.mnistgen"

    def edit(meta):
        meta["attributes"]["n_features_in_"] = 100
        meta["attributes"]["image_shape_"] = [10, 10]
        meta["attributes"]["row_shape"] = [10, 10]

    _rewrite(saved, bad, edit_meta=edit)
    with pytest.raises(ValueError, match="disagree"):
        load(bad)
    bad2 = tmp_path / "mismatch2.mnistgen"
    _rewrite(saved, bad2, edit_meta=lambda m: m["params"].update(latent_dim=5))
    with pytest.raises(ValueError, match="mismatch2.mnistgen"):
        load(bad2)


def test_load_missing_member(saved, tmp_path):
    bad = tmp_path / "missing.mnistgen"
    _rewrite(saved, bad, drop=("decoder_.keras",))
    with pytest.raises(ValueError, match="missing.mnistgen"):
        load(bad)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.mnistgen"):
        load(tmp_path / "nothing.mnistgen")


def test_load_never_unpickles(saved, tmp_path):
    """A pickled object array in the optimizer state is refused, not run."""
    bad = tmp_path / "pickled.mnistgen"
    buf = io.BytesIO()
    np.savez(buf, np.array([object()], dtype=object))
    _rewrite(saved, bad, replace={"optimizer_.npz": buf.getvalue()})
    with pytest.raises(ValueError, match="pickled.mnistgen"):
        load(bad)
