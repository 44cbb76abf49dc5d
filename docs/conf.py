"""Sphinx configuration of the mnistgen documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
The gallery examples run during the build. By default they use a small
budget (a few epochs on a few thousand images) so that the whole build takes
a few minutes on a laptop CPU; set ``MNISTGEN_DOCS_FULL=1`` to run them with
the report's full settings. Each example prints the budget it ran with.
"""
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import mnistgen  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "mnistgen"
author = "The mnistgen developers"
copyright = "2025, the mnistgen developers"
version = release = mnistgen.__version__

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
default_role = "py:obj"
nitpicky = False

# The reference page of ``mnistgen.metrics`` (``generated/api_metrics.rst``,
# listed in api.rst's toctree) is written here from the module's ``__all__``,
# so that a new metric is documented as soon as it is exported.
GENERATED = HERE / "generated"
METRICS_PAGE = GENERATED / "api_metrics.rst"


def _write_metrics_page():
    import mnistgen.metrics as metrics

    names = metrics.__all__
    lines = [
        "Sample-quality metrics",
        "======================",
        "",
        ".. automodule:: mnistgen.metrics",
        "   :no-members:",
        "",
        ".. currentmodule:: mnistgen.metrics",
        "",
        ".. autosummary::",
        "   :toctree: .",
        "   :nosignatures:",
        "",
    ] + [f"   {name}" for name in names] + [""]
    GENERATED.mkdir(exist_ok=True)
    METRICS_PAGE.write_text("\n".join(lines), encoding="utf-8")


_write_metrics_page()

# Measured tables: each ``benchmarks/measured/NAME.json`` (written by a
# benchmark's ``--results``, with its machine, command and date) becomes
# ``generated/NAME_table.rst``, which the pages include, so that each
# measured number is stated once, in the results file. A table whose results
# file is gone is deleted, so that a page including it fails to build rather
# than show numbers that no results file holds.
MEASURED = ROOT / "benchmarks" / "measured"


def _cell(stat, fmt):
    if stat is None:
        return "n/a"
    text = fmt.format(stat["mean"])
    return text if stat["sd"] is None else f"{text} ± {fmt.format(stat['sd'])}"


#: Options of a recorded command that say where its rows were kept or that
#: it re-read them; a user reruns the measurement without them.
_BOOKKEEPING = {"--out": 1, "--results": 1, "--reuse-rows": 0, "--recorded-only": 0}


#: The PyTorch environment's interpreter, as the performance page sets it up
#: (the recorded command names the one of the machine it ran on).
_TORCH_PYTHON = "~/torchenv/bin/python"


def _rerun_command(command):
    """``command`` without its bookkeeping options (the exact one stays in the JSON file)."""
    words, out = command.split(), []
    while words:
        word = words.pop(0)
        if word in _BOOKKEEPING:
            del words[:_BOOKKEEPING[word]]
        elif word == "--torch-python" and words:
            out += [word, _TORCH_PYTHON]
            del words[:1]
        else:
            out.append(word)
    return " ".join(out)


def _caption(res):
    """Where, when and how the table was measured, and the run's own caption or sizes."""
    text = (f"Measured on {res['machine']}, {res['date']}; to measure it again: "
            f"``{_rerun_command(res['command'])}``")
    if "caption" in res:
        return f"{text}. {res['caption']}"
    sizes = []
    if "n_train" in res:
        sizes.append(f"{res['n_train']:,} training images")
    if "n_samples" in res:
        sizes.append(f"{res['n_samples']:,} samples per model")
    details = "; ".join(filter(None, [", ".join(sizes),
                                      f"seeds {res['seeds']}" if "seeds" in res else ""]))
    return f"{text} ({details})." if details else f"{text}."


def _measured_table(res):
    """The lines of ``generated/NAME_table.rst`` for the results ``res`` of one JSON file."""
    cols = [c for c in res["columns"] if any(c in r["columns"] for r in res["rows"])]
    fmts = dict(zip(res["columns"], res["formats"]))
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - model", "     - runs"]
    lines += [f"     - {c}" for c in cols]
    for row in res["rows"]:
        lines += [f"   * - {row['model']}", f"     - {row['runs']}"]
        lines += [f"     - {_cell(row['columns'].get(c), fmts[c])}" for c in cols]
    return lines + ["", _caption(res), ""]


def _write_measured_tables(measured=MEASURED, generated=GENERATED):
    """Write ``generated/NAME_table.rst`` for each ``measured/NAME.json``; delete stale tables."""
    import json

    generated.mkdir(exist_ok=True)
    stems = set()
    for path in sorted(measured.glob("*.json")):
        res = json.loads(path.read_text(encoding="utf-8"))
        stems.add(path.stem)
        text = "\n".join(_measured_table(res))
        (generated / f"{path.stem}_table.rst").write_text(text, encoding="utf-8")
    for table in generated.glob("*_table.rst"):
        if table.name[: -len("_table.rst")] not in stems:
            table.unlink()


_write_measured_tables()


def _escape_stars(app, what, name, obj, options, lines):
    # Some return types read "(n_samples, *image row shape)": a bare "*" that
    # reStructuredText takes for the start of emphasis. Escape it before
    # numpydoc (priority 500) formats the docstring.
    for i, line in enumerate(lines):
        lines[i] = re.sub(r"(?<=[(,] )\*(?=\w)", r"\\*", line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_stars, priority=400)


# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_member_order = "groupwise"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_title = f"mnistgen {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": "plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
    "capture_repr": (),
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("mnistgen",),
}
