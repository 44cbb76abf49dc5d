"""Presets: named recipes of plain parameters, from Python and the command line."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.mixture import GaussianMixture

from mnistgen import GANGenerator, VAEGenerator, load
from mnistgen.cli import main


@pytest.mark.parametrize("cls", [GANGenerator, VAEGenerator])
def test_every_estimator_lists_recommended_and_report(cls):
    presets = cls.presets()
    assert {"recommended", "report"} <= set(presets)
    for preset in presets.values():
        assert preset.description
        assert set(preset.recipe()) <= set(cls().get_params())
    # the report's preset is the defaults, which stay the report's models
    assert cls.from_preset("report").get_params() == cls().get_params()


def test_overrides_go_on_top_and_the_result_is_plain_parameters():
    gan = GANGenerator.from_preset("recommended", epochs=3, random_state=7, verbose=0)
    recipe = GANGenerator.presets()["recommended"].recipe()
    params = gan.get_params()
    assert {k: params[k] for k in recipe if k != "epochs"} == {k: v for k, v in recipe.items()
                                                               if k != "epochs"}
    assert (params["epochs"], params["random_state"]) == (3, 7)
    assert clone(gan).get_params() == params
    assert pickle.loads(pickle.dumps(gan)).get_params() == params
    assert GANGenerator(**params).get_params() == params


def test_conditional_picks_the_conditional_recipe():
    vae = VAEGenerator.from_preset("recommended", conditional=True)
    want = VAEGenerator.presets()["recommended"].recipe(conditional=True)
    assert vae.conditional is True and want["conditional"] is True
    assert vae.architecture == want["architecture"]
    # the recipes differ in more than the flag: the unconditional VAE's one dense layer
    assert vae.conv_dense_units == (512, 256)
    assert VAEGenerator.from_preset("recommended").conv_dense_units == (256,)
    # and in the prior: learned without labels, N(0, I) with them
    assert (VAEGenerator.from_preset("recommended").prior, vae.prior) == ("mixture", "normal")


def test_estimator_valued_parameters_are_fresh_for_each_estimator():
    a = VAEGenerator.from_preset("recommended")
    b = VAEGenerator.from_preset("recommended")
    assert isinstance(a.latent_sampler, GaussianMixture)
    assert a.latent_sampler is not b.latent_sampler
    # repeating the recipe's own value is no contradiction
    VAEGenerator.from_preset("recommended", latent_sampler=GaussianMixture(50))
    with pytest.raises(ValueError, match="contradicts the preset"):
        VAEGenerator.from_preset("recommended", latent_sampler=GaussianMixture(10))


@pytest.mark.parametrize("name, overrides, error, match", [
    ("best", {}, ValueError, "no preset 'best'.*recommended"),
    (None, {}, ValueError, "no preset None"),
    ("recommended", {"architecture": "mlp"}, ValueError, "architecture='mlp'\\) contradicts"),
    ("recommended", {"ema": 0.9}, ValueError, "ema=0.9\\) contradicts"),
    ("recommended", {"no_such": 1}, TypeError, "unknown parameters \\['no_such'\\]"),
])
def test_bad_names_and_contradicting_overrides_raise(name, overrides, error, match):
    with pytest.raises(error, match=match):
        GANGenerator.from_preset(name, **overrides)


@pytest.mark.parametrize("conditional", [False, True])
def test_a_preset_trains_saves_and_loads(images, tmp_path, conditional):
    gan = GANGenerator.from_preset("recommended", conditional=conditional, epochs=1,
                                   batch_size=32, conv_filters=(4, 8), random_state=0)
    gan.fit(images, np.arange(len(images)) % 10)  # y is ignored without conditional
    assert np.all(np.isfinite(gan.history_["d_loss"]))
    path = gan.save(tmp_path / "gan.mnistgen")
    again = load(path)
    assert again.get_params() == gan.get_params()
    y = np.arange(3) if conditional else None
    np.testing.assert_array_equal(again.sample(3, y=y, random_state=1),
                                  gan.sample(3, y=y, random_state=1))


def test_cli_trains_from_a_preset(tmp_path, capsys):
    out = tmp_path / "vae"
    assert main(["train", "vae", "--preset", "recommended", "--epochs", "1", "--n-train", "200",
                 "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert (est.architecture, est.latent_dim, est.n_iter_) == ("conv", 32, 1)
    assert est.conv_dense_units == (256,)
    assert isinstance(est.latent_sampler, GaussianMixture)
    assert main(["train", "gan", "--preset", "recommended", "--architecture", "mlp",
                 "--out", str(tmp_path / "g")]) == 2
    assert "contradicts the preset" in capsys.readouterr().err
    assert main(["train", "gan", "--preset", "best", "--out", str(tmp_path / "g")]) == 2
    assert "mnistgen: error:" in capsys.readouterr().err


def test_a_recipe_cannot_be_changed_by_a_caller():
    recipe = GANGenerator.presets()["recommended"]
    with pytest.raises(TypeError):
        recipe.params["ema"] = 0.5
    assert GANGenerator.from_preset("recommended").ema == 0.999
