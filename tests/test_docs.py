"""The documentation builds without warnings, documents every public name,
and states measured numbers only from the benchmarks' results files.

``test_docs_build`` runs ``sphinx-build -W --keep-going -b html docs <tmp>``
in a subprocess with the examples' small budget (``MNISTGEN_DOCS_FULL``
unset): about two minutes on a 2-core CPU. Skipped when Sphinx or its
extensions are not installed. The tests of measured tables take a second
and need no Sphinx.
"""
import json
import os
import re
import runpy
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
    if not (ROOT / "mnistgen" / "metrics" / "__init__.py").exists():
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
    assert (out / "_images" / "recommended_seed0.png").is_file()  # the front page's figure

    # Every public name has its reference page and is linked from api.html.
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in PUBLIC_NAMES + _metrics_names():
        assert (out / "generated" / f"{name}.html").is_file(), name
        if not name.startswith("mnistgen.metrics."):
            assert f"generated/{name}.html" in api, name
    for page in ("index", "install", "quickstart", "choosing", "user_guide", "vaes", "gans",
                 "models", "performance", "quality", "fashion", "reliability", "distributed",
                 "contributing", "auto_examples/index"):
        assert (out / f"{page}.html").is_file(), page


# -- Measured numbers come from the results files -----------------------------
#
# A measured number is written once, by the benchmark that measured it, into
# benchmarks/measured/NAME.json (its --results); the docs build turns each
# file into docs/generated/NAME_table.rst, which the pages include. These
# tests need no Sphinx: they run the build's own table writer.

MEASURED = ROOT / "benchmarks" / "measured"
#: A column header naming a measured quantity: time, rate, memory, sample quality.
MEASURED_COLUMN = re.compile(
    r"s/epoch|images/s|GFLOP|matmul rate|seconds|\btime\b|memory|\b[KMG]B\b|\bFD\b|ELBO|IWAE"
    r"|nats|\bCS\b|precision|recall|sharpness|min share|\bacc\b",
    re.IGNORECASE)
#: Written by the build, not by hand: sphinx-gallery's timing page.
BUILD_OUTPUT = {"sg_execution_times.rst"}
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _measured_tables(out):
    """Write every results file's table into ``out`` with docs/conf.py's own writer."""
    conf = runpy.run_path(str(DOCS / "conf.py"))
    conf["_write_measured_tables"](MEASURED, out)
    return {path.name[: -len("_table.rst")]: path.read_text(encoding="utf-8")
            for path in sorted(out.glob("*_table.rst"))}


def _list_table(text):
    """The rows (lists of cell texts) of the generated list-table, and what follows it."""
    rows, lines = [], text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("   * - "):
            rows.append([line[len("   * - "):]])
        elif line.startswith("     - "):
            rows[-1].append(line[len("     - "):])
        elif rows and line and not line.startswith(" "):
            return rows, "\n".join(lines[i:])
    return rows, ""


def _numbers_in(value):
    """Every way a number of the results file can be printed in a caption."""
    if isinstance(value, dict):
        return set().union(*map(_numbers_in, value.values())) if value else set()
    if isinstance(value, list):
        return set().union({str(value)}, *map(_numbers_in, value)) if value else set()
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    return set(NUMBER.findall(str(value)))


def test_measured_tables_print_the_results_files(tmp_path):
    """Every cell of a generated table is its results file's value in the column's format,
    and every number of its caption is in the results file."""
    tables = _measured_tables(tmp_path)
    assert set(tables) == {p.stem for p in MEASURED.glob("*.json")}
    for name, text in tables.items():
        res = json.loads((MEASURED / f"{name}.json").read_text(encoding="utf-8"))
        formats = dict(zip(res["columns"], res["formats"]))
        rows, caption = _list_table(text)
        header, body = rows[0], rows[1:]
        assert header[:2] == ["model", "runs"], name
        assert [r[0] for r in body] == [r["model"] for r in res["rows"]], name
        for cells, row in zip(body, res["rows"]):
            assert cells[1] == str(row["runs"]), (name, row["model"])
            for column, cell in zip(header[2:], cells[2:]):
                stat = row["columns"].get(column)
                if stat is None:
                    assert cell == "n/a", (name, row["model"], column, cell)
                    continue
                fmt = formats[column]
                expected = [fmt.format(stat["mean"])]
                if stat["sd"] is not None:
                    expected.append(fmt.format(stat["sd"]))
                assert cell == " ± ".join(expected), (name, row["model"], column, cell, expected)
        stray = set(NUMBER.findall(caption)) - _numbers_in(
            {k: v for k, v in res.items() if k not in ("rows", "formats")})
        assert not stray, f"{name}: caption numbers {sorted(stray)} are not in {name}.json"


def test_captions_give_a_command_a_user_can_rerun(tmp_path):
    """A caption's command has no bookkeeping options and no path of the machine it ran on."""
    for name, text in _measured_tables(tmp_path).items():
        caption = _list_table(text)[1]
        for word in ("--out", "--results", "--reuse-rows", "--recorded-only", "/tmp/"):
            assert word not in caption, (name, word)
        if "--torch-python" in caption:
            assert "--torch-python ~/torchenv/bin/python" in caption, name


def _table_headers(text):
    """Yield ``(line number, header cells)`` of each table of an rst text.

    Covers list-tables (their first row), csv-tables (their ``:header:``),
    grid and Markdown-style tables, in literal blocks too (the first ``|``
    row after a border or a non-table line), and simple tables (the row
    under the top ``===`` border).
    """
    lines = text.split("\n")
    border = re.compile(r"^\s*=+( +=+)+\s*$")
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(".. list-table::"):
            rest = [l.strip() for l in lines[i + 1:]]
            first = next((k for k, l in enumerate(rest) if l.startswith("* - ")), None)
            if first is not None:
                cells = [rest[first][4:]]
                for cell in rest[first + 1:]:
                    if not cell.startswith("- "):
                        break
                    cells.append(cell[2:])
                yield i + 1, cells
        elif s.startswith(".. csv-table::"):
            for option in lines[i + 1:]:
                if not option.strip().startswith(":"):
                    break
                if option.strip().startswith(":header:"):
                    yield i + 1, [c.strip() for c in option.split(":header:", 1)[1].split(",")]
        elif s.startswith("|") and s.endswith("|") and not lines[i - 1].strip().startswith(("|", "+=")):
            yield i + 1, [c.strip() for c in s.strip("|").split("|")]
        elif border.match(line) and i + 1 < len(lines) and (i == 0 or not lines[i - 1].strip()):
            yield i + 2, lines[i + 1].split()


def _hand_written_pages():
    for path in sorted(DOCS.rglob("*.rst")):
        rel = path.relative_to(DOCS)
        if rel.parts[0] in ("generated", "auto_examples", "_build") or rel.name in BUILD_OUTPUT:
            continue
        yield rel, path.read_text(encoding="utf-8")


def test_no_hand_typed_measured_tables():
    """No hand-written page has a table with a measured column."""
    found = []
    for rel, text in _hand_written_pages():
        for line, cells in _table_headers(text):
            measured = [c for c in cells if MEASURED_COLUMN.search(c)]
            if measured:
                found.append(f"docs/{rel}:{line}: {measured}")
    assert not found, ("tables of measured numbers typed by hand (write them with a benchmark's "
                       "--results into benchmarks/measured/ and include generated/NAME_table.rst):\n"
                       + "\n".join(found))


def test_included_tables_have_results_files():
    """Every ``generated/NAME_table.rst`` a page includes has its ``benchmarks/measured/NAME.json``."""
    include = re.compile(r"^\.\. include:: generated/(\w+)_table\.rst\s*$", re.MULTILINE)
    missing = [f"docs/{rel} includes generated/{name}_table.rst, but benchmarks/measured/"
               f"{name}.json does not exist (run the benchmark with --results)"
               for rel, text in _hand_written_pages() for name in include.findall(text)
               if not (MEASURED / f"{name}.json").is_file()]
    assert not missing, "\n".join(missing)


def test_no_page_is_over_400_lines():
    """Reference pages stay short enough to read (issue 22): split a page that grows."""
    docs = Path(__file__).resolve().parents[1] / "docs"
    long = {p.name: n for p in docs.glob("*.rst")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
