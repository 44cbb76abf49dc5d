"""Model files written by someone else: checked before they are read or built.

``mnistgen.load`` reads only the members that ``mnistgen.json`` names, each
after the size the archive declares for it passed a bound set by the file's
own parameters, and counts the weights those parameters imply
(``mnistgen._sizes``) before it builds a network. The first test keeps that
count honest against the networks the builders build; the others load
hostile files in a fresh process and bound its peak memory.
"""
import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile
from collections import Counter

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator, load
from mnistgen import persistence
from mnistgen._sizes import count, network_weights

# (estimator class, parameters, image shape, number of classes): every
# option that reaches a builder of mnistgen.networks, in some combination.
COMBINATIONS = [
    (VAEGenerator, dict(), (28, 28), 0),
    (VAEGenerator, dict(hidden_units=(16, 8), latent_dim=3), (8, 8), 0),
    (VAEGenerator, dict(hidden_units=4, conditional=True), (6, 5), 3),
    (VAEGenerator, dict(architecture="conv"), (28, 28), 0),
    (VAEGenerator, dict(architecture="conv", conv_filters=(4, 8), conv_dense_units=(16,), latent_dim=3),
     (8, 8, 3), 0),
    (VAEGenerator, dict(architecture="conv", conv_filters=4, conv_dense_units=(), conditional=True),
     (8, 12), 4),
    (VAEGenerator, dict(architecture="conv", conv_filters=(2, 4, 8), conv_dense_units=(8, 4)), (16, 8, 2), 0),
    (VAEGenerator, dict(prior="mixture", hidden_units=(8,), latent_dim=3), (6, 6), 0),
    (VAEGenerator, dict(architecture="conv", conv_filters=(4, 8), conv_dense_units=(16,), conditional=True,
                        prior="mixture", prior_components=7), (8, 8), 3),
    (GANGenerator, dict(), (28, 28), 0),
    (GANGenerator, dict(generator_units=(8, 16, 4), discriminator_units=(8,), latent_dim=5), (8, 8), 0),
    (GANGenerator, dict(generator_units=(8,), discriminator_units=(8, 4), spectral_norm=True, ema=0.9,
                        conditional=True, loss="hinge"), (7, 9), 3),
    (GANGenerator, dict(architecture="conv", conv_filters=(4, 8), spectral_norm=True, conditional=True),
     (8, 8, 2), 3),
    (GANGenerator, dict(architecture="conv", conv_filters=(4, 8, 2), ema=0.99, latent_dim=6), (16, 8), 0),
    (GANGenerator, dict(architecture="conv", conv_filters=(4, 8), conditional=True,
                        conditioning="projection", spectral_norm=True), (8, 8), 5),
    (GANGenerator, dict(discriminator_units=(8,), generator_units=(4,), conditional=True,
                        conditioning="projection"), (6, 6), 3),
    (GANGenerator, dict(architecture="conv", conv_filters=4, loss="wgan-gp"), (4, 4, 3), 0),
]


def _unfitted(cls, params, image_shape, n_classes):
    """An estimator with the fitted attributes the builders read, and no networks."""
    est = cls(**params)
    est._validate_params()
    est.image_shape_ = image_shape
    est.n_features_in_ = int(np.prod(image_shape))
    if n_classes:
        est.classes_ = np.arange(n_classes)
    return est


@pytest.mark.parametrize("cls, params, image_shape, n_classes", COMBINATIONS)
def test_weight_count_matches_the_built_networks(cls, params, image_shape, n_classes):
    """The arrays counted from the parameters are those of the built networks'
    ``weights``, shape and trainability; and each network's Keras file passes
    the checks load makes before Keras reads it."""
    est = _unfitted(cls, params, image_shape, n_classes)
    counted = network_weights(est)
    built = est._make_networks(0)
    assert set(counted) == set(built) == set(est._network_attributes)
    meta = {"networks": {name: f"{name}.keras" for name in built}, "optimizers": {}}
    members = persistence._members(est, meta, "'test'")
    for name, network in built.items():
        assert Counter(counted[name]) == Counter(
            (tuple(w.shape), bool(w.trainable)) for w in network.weights), name
        assert count(counted[name]).numbers == sum(int(np.prod(w.shape)) for w in network.weights)
        data = persistence.network_to_bytes(network)
        member = members[f"{name}.keras"]
        persistence._check_declared(f"{name}.keras", len(data), member, "'test'")
        persistence._check_contents(f"{name}.keras", data, member, "'test'")


def test_save_writes_no_file_that_load_would_refuse(fitted_vae, tmp_path):
    """A history too long for MAX_HEADER_BYTES: save says so and writes nothing."""
    est = pickle.loads(pickle.dumps(fitted_vae))
    n = persistence.MAX_HEADER_BYTES // 10
    est.history_ = {key: [0.1] * n for key in est.history_}
    with pytest.raises(ValueError, match="MAX_HEADER_BYTES.*Nothing was written"):
        est.save(tmp_path / "long.mnistgen")
    assert os.listdir(tmp_path) == []


def test_members_the_header_does_not_name_are_ignored(fitted_vae, tmp_path):
    path = fitted_vae.save(tmp_path / "vae.mnistgen")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("notes.txt", "written by someone else")
    again = load(path)
    np.testing.assert_array_equal(again.sample(3, random_state=0), fitted_vae.sample(3, random_state=0))


# --------------------------------------------------------------------------
# Hostile files, loaded in a fresh process whose peak memory is measured
# --------------------------------------------------------------------------
BOMB = 512 * 2**20  # bytes of zeros (or spaces) that a bomb member inflates to
GROWTH_LIMIT_MIB = 300

CHILD = textwrap.dedent(
    """
    import json, os, resource, sys
    import mnistgen

    def peak_mib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    folder, good, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    est = mnistgen.load(os.path.join(folder, good))  # imports and builds once
    est.sample(2)
    base = peak_mib()
    out = {"base": base}
    for name in names:
        try:
            est = mnistgen.load(os.path.join(folder, name))
            est.sample(2)
            result = None
        except ValueError as exc:
            result = str(exc)
        out[name] = {"error": result, "growth": peak_mib() - base}
    print(json.dumps(out))
    """
)


def _bomb(zf, name, head=b"", fill=b"\0"):
    """Add member ``name`` to ``zf`` (deflating): ``head``, then BOMB bytes of
    ``fill``; a few MiB packed."""
    chunk = fill * 2**22
    with zf.open(name, "w", force_zip64=True) as fh:
        fh.write(head)
        for _ in range(BOMB // len(chunk)):
            fh.write(chunk)


def _copy(src, dst, edit_meta=None, replace=None, add=None, pad_header=False):
    """Rewrite model file ``src`` as ``dst``: ``edit_meta(meta)`` edits its
    header, ``replace`` maps members to new bytes, ``add(zf)`` adds members,
    ``pad_header`` makes the header inflate to BOMB bytes (JSON may end in spaces)."""
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "mnistgen.json" and edit_meta:
                meta = json.loads(data)
                edit_meta(meta)
                data = json.dumps(meta).encode()
            if name == "mnistgen.json" and pad_header:
                _bomb(zout, name, head=data, fill=b" ")
            else:
                zout.writestr(name, (replace or {}).get(name, data))
        if add:
            add(zout)


def _padded_header(path):
    """The header of model file ``path`` with a key ``padding`` of empty JSON
    objects that fill it up to just below MAX_HEADER_BYTES."""
    with zipfile.ZipFile(path) as zf:
        header = zf.read("mnistgen.json").rstrip()
    n = (persistence.MAX_HEADER_BYTES - len(header)) // 3 - 100
    return header[:-1] + b', "padding": [' + b"{}," * n + b"{}]}"


def _keras_with_inner_bomb(data):
    """A ``.keras`` archive: its own members, and one more that inflates to BOMB bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        _bomb(zout, "junk.bin")  # packed small enough to pass the outer member's bound
    return buf.getvalue()


def _npz_with_forged_header(n_arrays):
    """An optimizer state whose first array's header claims 10**10 float32s."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "<f4", "fortran_order": False, "shape": (10**10,)})
        zf.writestr("arr_0.npy", header.getvalue() + bytes(64))
        for i in range(1, n_arrays):
            arr = io.BytesIO()
            np.save(arr, np.zeros(3, np.float32))
            zf.writestr(f"arr_{i}.npy", arr.getvalue())
    return buf.getvalue()


def _set(section, **values):
    return lambda meta: meta[section].update(values)


@pytest.fixture(scope="module")
def hostile_files(fitted_vae, fitted_gan, tmp_path_factory):
    """``{file name: what its error message must say, or None if it loads}``."""
    folder = tmp_path_factory.mktemp("hostile")
    vae = fitted_vae.save(folder / "good_vae.mnistgen")
    gan = fitted_gan.save(folder / "good_gan.mnistgen")
    with zipfile.ZipFile(vae) as zf:
        encoder = zf.read("encoder_.keras")
        with np.load(io.BytesIO(zf.read("optimizer_.npz"))) as npz:
            n_optimizer_arrays = len(npz.files)
    expected = {}

    def make(name, src, must_say, **edits):
        _copy(src, folder / name, **edits)
        expected[name] = must_say

    # an extra member that inflates to BOMB bytes: ignored, never read
    make("junk_member.mnistgen", vae, None, add=lambda zf: _bomb(zf, "junk.bin"))
    # a header that inflates to BOMB bytes: the JSON, then spaces
    make("huge_header.mnistgen", vae, ["mnistgen.json", "MAX_HEADER_BYTES"], pad_header=True)
    # a header within MAX_HEADER_BYTES made of millions of empty JSON objects
    make("many_objects.mnistgen", vae, ["mnistgen.json", "JSON objects and arrays", "not parsed"],
         replace={"mnistgen.json": _padded_header(vae)})
    # a Keras file with a member of its own that inflates to BOMB bytes
    make("inner_junk.mnistgen", vae, ["encoder_.keras", "junk.bin", "not read"],
         replace={"encoder_.keras": _keras_with_inner_bomb(encoder)})
    # parameters that imply networks above MAX_PARAMETERS
    make("huge_latent.mnistgen", vae, ["latent_dim=1000000000", "MAX_PARAMETERS", "Nothing was built"],
         edit_meta=_set("params", latent_dim=10**9))
    # below the ceiling, but far more weights than the stored networks hold
    make("wide_hidden.mnistgen", vae, ["hidden_units=(1000000,)", "too few", "disagree"],
         edit_meta=_set("params", hidden_units=[10**6]))
    make("wide_generator.mnistgen", gan, ["generator_units=(16, 1000000)", "too few", "disagree"],
         edit_meta=_set("params", generator_units=[16, 10**6]))
    make("huge_image.mnistgen", gan, ["images 100000x100000", "MAX_PARAMETERS"],
         edit_meta=_set("attributes", image_shape_=[10**5, 10**5], row_shape=[10**5, 10**5],
                        n_features_in_=10**10))
    # parameters that disagree with the weights a little
    make("latent_3.mnistgen", vae, ["latent_dim=3", "disagree", "Nothing was built"],
         edit_meta=_set("params", latent_dim=3))
    # an optimizer array whose header claims 40 GB
    make("forged_npy.mnistgen", vae, ["optimizer_.npz", "arr_0.npy", "(10000000000,)"],
         replace={"optimizer_.npz": _npz_with_forged_header(n_optimizer_arrays)})
    return folder, expected


def test_hostile_files_fail_clearly_in_bounded_memory(hostile_files):
    """Each hostile file gives a ValueError naming the file and the problem
    (or, for a member the format does not name, loads without reading it);
    none makes a fresh process's peak memory grow by more than
    GROWTH_LIMIT_MIB, although most hold a member or imply arrays of far
    more bytes than that."""
    folder, expected = hostile_files
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), "good_vae.mnistgen", *expected],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for name, must_say in expected.items():
        error, growth = results[name]["error"], results[name]["growth"]
        if must_say is None:
            assert error is None, (name, error)
        else:
            assert error is not None and name in error, (name, error)
            for words in must_say:
                assert words in error, (name, words, error)
        assert growth < GROWTH_LIMIT_MIB, (name, growth, results)
