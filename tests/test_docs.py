"""The documentation builds without warnings and documents every public name.

Runs ``sphinx-build -W --keep-going -b html docs <tmp>`` in a subprocess with
the examples' small budget (``MNISTGEN_DOCS_FULL`` unset): about two minutes
on a 2-core CPU. Skipped when Sphinx or its extensions are not installed.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))

PUBLIC_NAMES = [
    "mnistgen.VAEGenerator",
    "mnistgen.GANGenerator",
    "mnistgen.load",
    "mnistgen.datasets.load_mnist",
    "mnistgen.datasets.load_fashion_mnist",
    "mnistgen.datasets.load_images",
    "mnistgen.networks.call",
    "mnistgen.networks.build_vae_encoder",
    "mnistgen.networks.build_vae_decoder",
    "mnistgen.networks.build_gan_generator",
    "mnistgen.networks.build_gan_discriminator",
    "mnistgen.networks.build_conv_vae_encoder",
    "mnistgen.networks.build_conv_vae_decoder",
    "mnistgen.networks.build_conv_gan_generator",
    "mnistgen.networks.build_conv_gan_discriminator",
    "mnistgen.plotting.image_grid",
    "mnistgen.plotting.plot_images",
    "mnistgen.plotting.plot_history",
    "mnistgen.plotting.plot_latent_space",
    "mnistgen.plotting.plot_manifold",
    "mnistgen.persistence.save",
    "mnistgen.persistence.load",
    "mnistgen.cli.main",
    "mnistgen.callbacks.ModelCheckpoint",
]


def _metrics_names():
    if not (ROOT / "mnistgen" / "metrics.py").exists():
        return []
    import mnistgen.metrics

    return [f"mnistgen.metrics.{name}" for name in mnistgen.metrics.__all__]


def test_docs_build(tmp_path):
    for module in ("sphinx", "pydata_sphinx_theme", "numpydoc", "sphinx_gallery"):
        pytest.importorskip(module)
    out = tmp_path / "html"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("MNISTGEN_DOCS_FULL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]

    # Every gallery example has its page and at least one figure.
    assert len(EXAMPLES) >= 4
    for name in EXAMPLES:
        assert (out / "auto_examples" / f"{name}.html").is_file(), name
        figures = list((out / "_images").glob(f"sphx_glr_{name}_*.png"))
        assert figures, f"no figure for {name}"
    assert (out / "_images" / "compare_gan_vae.png").is_file()

    # Every public name has its reference page and is linked from api.html.
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in PUBLIC_NAMES + _metrics_names():
        assert (out / "generated" / f"{name}.html").is_file(), name
        if not name.startswith("mnistgen.metrics."):
            assert f"generated/{name}.html" in api, name
    for page in ("index", "install", "quickstart", "user_guide", "models",
                 "performance", "quality", "reliability", "distributed", "contributing",
                 "auto_examples/index"):
        assert (out / f"{page}.html").is_file(), page
