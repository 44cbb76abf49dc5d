"""The mnistgen command: train writes model, grid and curves; sample writes a grid."""
import json
import shutil
import subprocess

from mnistgen import load
from mnistgen.cli import main


def test_train_and_sample(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "vae", "--epochs", "2", "--n-train", "500", "--out", str(out), "--verbose", "2"]) == 0
    for name in ("model.mnistgen", "samples.png", "losses.png", "history.json"):
        assert (out / name).stat().st_size > 0, name
    printed = capsys.readouterr().out
    assert "kl_loss" in printed  # the VAE's logs, shown at --verbose 2
    est = load(out / "model.mnistgen")
    assert est.n_iter_ == 2 and est.sample(2).shape == (2, 28, 28)
    assert len(json.loads((out / "history.json").read_text())["history"]["loss"]) == 2
    grid = tmp_path / "grid.png"
    assert main(["sample", str(out / "model.mnistgen"), "-n", "16", "--out", str(grid)]) == 0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # an unconditional model cannot be asked for a digit
    assert main(["sample", str(out / "model.mnistgen"), "--label", "3", "--out", str(grid)]) == 2
    assert "not conditional" in capsys.readouterr().err


def test_train_gan(tmp_path):
    out = tmp_path / "gan"
    assert main(["train", "gan", "--epochs", "1", "--n-train", "300", "--out", str(out), "--verbose", "0"]) == 0
    assert load(out / "model.mnistgen").n_iter_ == 1


def test_train_gan_with_the_stable_options(tmp_path, capsys):
    out = tmp_path / "sgan"
    assert main(["train", "gan", "--loss", "hinge", "--spectral-norm", "--ema", "0.9",
                 "--epochs", "1", "--n-train", "200", "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert (est.loss, est.spectral_norm, est.ema) == ("hinge", True, 0.9)
    assert hasattr(est, "generator_ema_")
    assert main(["train", "vae", "--ema", "0.9", "--out", str(tmp_path / "v")]) == 2
    assert "--ema applies to the GAN only" in capsys.readouterr().err


def test_train_conditional_conv_vae_and_sample_a_label(tmp_path):
    out = tmp_path / "cvae"
    assert main(["train", "vae", "--architecture", "conv", "--conditional", "--beta", "2",
                 "--epochs", "1", "--n-train", "200", "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert (est.architecture, est.conditional, est.beta) == ("conv", True, 2.0)
    assert est.classes_.tolist() == sorted(set(est.classes_.tolist()))
    grid = tmp_path / "sevens.png"
    assert main(["sample", str(out / "model.mnistgen"), "-n", "8", "--label", "7",
                 "--out", str(grid)]) == 0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_conv_vae_with_its_dense_units(tmp_path, capsys):
    out = tmp_path / "dense"
    assert main(["train", "vae", "--architecture", "conv", "--conv-dense-units", "16",
                 "--epochs", "1", "--n-train", "200", "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert est.conv_dense_units == (16,)
    assert [l.units for l in est.encoder_.layers if l.name.startswith("hidden")] == [16]
    assert main(["train", "vae", "--architecture", "conv", "--conv-dense-units", "--epochs", "1",
                 "--n-train", "200", "--out", str(tmp_path / "none"), "--verbose", "0"]) == 0
    assert load(tmp_path / "none" / "model.mnistgen").conv_dense_units == ()
    assert main(["train", "gan", "--conv-dense-units", "16", "--out", str(tmp_path / "g")]) == 2
    assert "--conv-dense-units applies to the VAE only" in capsys.readouterr().err
    assert main(["train", "vae", "--conv-dense-units", "0", "--out", str(tmp_path / "z")]) == 2
    assert "conv_dense_units" in capsys.readouterr().err


def test_train_vae_with_a_gmm_latent_sampler(tmp_path, capsys):
    out = tmp_path / "gmm"
    assert main(["train", "vae", "--gmm", "3", "--epochs", "1", "--n-train", "200",
                 "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert est.latent_sampler.n_components == 3 and len(est.latent_samplers_) == 1
    assert main(["train", "gan", "--gmm", "3", "--out", str(tmp_path / "g")]) == 2
    assert "--gmm applies to the VAE only" in capsys.readouterr().err


def test_errors_are_reported(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "missing.mnistgen")]) == 2
    assert "missing.mnistgen" in capsys.readouterr().err
    assert main(["train", "vae", "--epochs", "0", "--out", str(tmp_path / "x")]) == 2
    assert "epochs" in capsys.readouterr().err
    assert main(["train", "gan", "--beta", "2", "--out", str(tmp_path / "g")]) == 2
    assert "--beta applies to the VAE only" in capsys.readouterr().err
    # argparse's own errors: one line, status 2, no SystemExit escaping main
    assert main(["train", "vae", "--architecture", "dense"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnistgen: error:") and "dense" in err and err.count("\n") == 1
    assert main(["train", "flow"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnistgen: error:") and "flow" in err


def test_console_script_is_installed():
    exe = shutil.which("mnistgen")
    assert exe, "the 'mnistgen' console script is not on PATH: install with pip install -e ."
    done = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "train" in done.stdout
    done = subprocess.run([exe, "train", "vae", "--epochs", "x"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("mnistgen: error:") and "--epochs" in done.stderr


def test_train_sets_the_optimiser_and_critic_options(tmp_path, capsys):
    out = tmp_path / "wgan"
    assert main(["train", "gan", "--loss", "wgan-gp", "--gp-weight", "5", "--n-critic", "2",
                 "--learning-rate", "1e-4", "--beta-1", "0", "--beta-2", "0.9",
                 "--generator-learning-rate", "5e-5", "--discriminator-learning-rate", "2e-4",
                 "--epochs", "1", "--n-train", "200", "--out", str(out), "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert (est.loss, est.gp_weight, est.n_critic) == ("wgan-gp", 5.0, 2)
    assert (est.learning_rate, est.beta_1, est.beta_2) == (1e-4, 0.0, 0.9)
    assert (est.generator_learning_rate, est.discriminator_learning_rate) == (5e-5, 2e-4)
    assert main(["train", "vae", "--beta-1", "0.5", "--out", str(tmp_path / "v")]) == 2
    assert "--beta-1 applies to the GAN only" in capsys.readouterr().err
    assert main(["train", "gan", "--learning-rate", "-1", "--out", str(tmp_path / "g")]) == 2
    assert "learning_rate" in capsys.readouterr().err


def _train_options():
    import argparse

    from mnistgen.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest for a in sub.choices["train"]._actions}


def test_every_estimator_parameter_is_a_train_option_or_says_why_not():
    """The parser and the estimators' parameters cannot drift apart."""
    from mnistgen import GANGenerator, VAEGenerator
    from mnistgen.cli import PYTHON_ONLY

    params = set(GANGenerator._parameter_constraints) | set(VAEGenerator._parameter_constraints)
    options = _train_options()
    assert params - options - set(PYTHON_ONLY) == set()
    assert set(PYTHON_ONLY) <= params and not set(PYTHON_ONLY) & options


def test_train_sets_the_network_sizes(tmp_path, capsys):
    out = tmp_path / "gan"
    assert main(["train", "gan", "--architecture", "conv", "--conv-filters", "4", "8",
                 "--conv-generator-filters", "6", "8", "--tol", "0.01", "--on-divergence",
                 "restore", "--epochs", "1", "--n-train", "64", "--out", str(out),
                 "--verbose", "0"]) == 0
    est = load(out / "model.mnistgen")
    assert (est.conv_filters, est.conv_generator_filters) == ((4, 8), (6, 8))
    assert (est.tol, est.on_divergence) == (0.01, "restore")
    assert main(["train", "vae", "--generator-units", "8", "--out", str(tmp_path / "v")]) == 2
    assert "--generator-units applies to the GAN only" in capsys.readouterr().err
    assert main(["train", "gan", "--hidden-units", "8", "--out", str(tmp_path / "g")]) == 2
    assert "--hidden-units applies to the VAE only" in capsys.readouterr().err


def test_every_train_option_is_named_on_the_workflows_page():
    """The option list of docs/workflows.rst cannot fall behind the parser."""
    import argparse
    from pathlib import Path

    from mnistgen.cli import _parser

    train = next(action for action in _parser()._actions
                 if isinstance(action, argparse._SubParsersAction)).choices["train"]
    page = (Path(__file__).parents[1] / "docs" / "workflows.rst").read_text()
    options = [o for action in train._actions for o in action.option_strings if o.startswith("--")]
    missing = [o for o in options if f"``{o}" not in page and o != "--help"]
    assert options and not missing
