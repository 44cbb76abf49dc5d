"""How the code is organised: no import circle, no assigned module state, small
functions, and the same samples from the same ``random_state`` as before the
restructure (docs/contributing.rst)."""
import ast
import pathlib

import numpy as np
import pytest

from mnistgen import GANGenerator, VAEGenerator

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnistgen"


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """Every mnistgen module that ``path`` imports, at module level or lazily."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mnistgen"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if not module.startswith("mnistgen"):
                continue
            for alias in node.names:  # "from . import networks" names a module or package
                sub = f"{module}.{alias.name}"
                path = PACKAGE.parent / sub.replace(".", "/")
                found.add(sub if path.with_suffix(".py").exists() or (path / "__init__.py").exists()
                          else module)
    found.discard(name)
    return found


def import_graph():
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def find_cycle(graph):
    """A list of modules that import each other in a circle, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_no_import_circle():
    graph = import_graph()
    assert "mnistgen._base" in graph and "mnistgen.persistence" in graph["mnistgen._base"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_the_old_circle():
    """The circle before the restructure: _base -> persistence -> gan -> _base."""
    graph = {"mnistgen._base": {"mnistgen.persistence"},
             "mnistgen.persistence": {"mnistgen.gan"},
             "mnistgen.gan": {"mnistgen._base"}}
    assert find_cycle(graph) == ["mnistgen._base", "mnistgen.persistence", "mnistgen.gan",
                                 "mnistgen._base"]


def _mnistgen_module_names(tree):
    """Local names bound to mnistgen modules by imports in ``tree``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.startswith("mnistgen"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mnistgen"):
            names.update(a.asname or a.name for a in node.names
                         if a.name.startswith("_") or a.name in {"networks", "metrics"})
    return names


@pytest.mark.parametrize("folder", ["tests", "benchmarks", "examples"])
def test_no_module_state_is_assigned(folder):
    """Tests, benchmarks and examples change no mnistgen module attribute."""
    offences = []
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = _mnistgen_module_names(tree)
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                while isinstance(target, (ast.Subscript, ast.Attribute)):
                    target = target.value
                    if isinstance(target, ast.Name) and target.id in modules:
                        offences.append(f"{path.name}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"setattr", "setitem"} and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in modules):
                offences.append(f"{path.name}:{node.lineno}")
    assert not offences


def test_functions_are_short_and_the_base_class_small():
    sizes = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                sizes[f"{path.name}:{node.name}"] = node.end_lineno - node.lineno + 1
    # constructors only store their (many) parameters: not counted
    functions = {k: v for k, v in sizes.items()
                 if not k.split(":")[1][0].isupper() and not k.endswith(":__init__")}
    assert max(functions.values()) < 60, max(functions, key=functions.get)
    assert sizes["_base.py:BaseGenerator"] < 300


def test_constructor_parameters_are_keyword_only():
    for cls in (VAEGenerator, GANGenerator):
        with pytest.raises(TypeError):
            cls(2)
        assert set(cls._parameter_constraints) == set(cls().get_params())


# Values recorded before the restructure, from the same code path (no XLA,
# as every unit test trains): every 13th pixel of sample(3, random_state=1)
# after fitting the small estimators below, the first history key per epoch,
# and (VAE) the latent means of the first three images.
RECORDED = {
    "vae": {"sample": [0.4759261, 0.4985358, 0.4014018, 0.4890679, 0.5475441, 0.4765786,
                       0.5363277, 0.3973703, 0.4616502, 0.4974855],
            "loss": [44.97102, 44.94135],
            "transform": [-0.1493769, -0.02718016, -0.1904317, -0.1451266, 0.001110729,
                          -0.1937048]},
    "gan": {"sample": [0.4295706, 0.4154283, 0.4705248, 0.4133728, 0.4804338, 0.35862,
                       0.5269657, 0.5212604, 0.3878158, 0.5259931],
            "loss": [0.7064688, 0.7052526]},
    "cvae": {"sample": [0.4906787, 0.5298647, 0.4800789, 0.5361536, 0.5613586, 0.4824123,
                        0.5108558, 0.4099742, 0.4894632, 0.5136125],
             "loss": [44.71017, 44.66207]},
    "cgan": {"sample": [0.5821899, 0.3851037, 0.5431526, 0.3918088, 0.4522518, 0.5355827,
                        0.4704874, 0.4959057, 0.4435404, 0.5000817],
             "loss": [0.7054054, 0.7041851]},
    # recorded before the GAN losses moved into one registry
    "gan-hinge": {"sample": [0.4293573, 0.415561, 0.4706196, 0.4133368, 0.48088, 0.3583442,
                             0.5271812, 0.5208675, 0.3879338, 0.5262706],
                  "loss": [2.091444, 2.079322], "g_loss": [0.04489289, 0.04769509]},
    "gan-wgan-gp": {"sample": [0.4195465, 0.4182374, 0.4660571, 0.4239245, 0.4831628,
                               0.3576299, 0.5377499, 0.5209641, 0.3888868, 0.5276573],
                    "loss": [5.817814, 5.701109], "g_loss": [0.03478972, 0.03501706]},
    # samples recorded again when the average got its warm-up (the losses did not change)
    "gan-conv-ema": {"sample": [0.5065361, 0.5638195, 0.4473681, 0.4743419, 0.4592229,
                                0.5242014, 0.5035716, 0.6416089, 0.4943953, 0.4066361],
                     "loss": [0.6933605, 0.6928469], "g_loss": [0.7260691, 0.7255363]},
}
#: The options each recorded GAN beyond the report's was trained with.
RECORDED_OPTIONS = {
    "gan-hinge": dict(loss="hinge", spectral_norm=True),
    "gan-wgan-gp": dict(loss="wgan-gp"),
    "gan-conv-ema": dict(architecture="conv", conv_filters=(4, 8), ema=0.9, n_critic=2),
}


#: The versions the values above were last recorded with. Training runs
#: Keras's initialisers and TensorFlow's kernels, whose float results may
#: change between releases: the pins guard mnistgen's own code against
#: unintended change, so they are checked on these versions only (record
#: them again, with the code before a change, after an upgrade).
RECORDED_WITH = {"keras": "3.15.1", "tensorflow": "2.21.0"}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_random_state_gives_the_recorded_samples(name, images):
    from importlib.metadata import version

    found = {package: version(package) for package in RECORDED_WITH}
    if found != RECORDED_WITH:
        pytest.skip(f"values recorded with {RECORDED_WITH}, not {found}")
    from conftest import SMALL_GAN, SMALL_VAE

    cls, params = (VAEGenerator, SMALL_VAE) if "vae" in name else (GANGenerator, SMALL_GAN)
    conditional = name.startswith("c")
    est = cls(conditional=conditional, **{**params, **RECORDED_OPTIONS.get(name, {})}).fit(
        images, np.arange(len(images)) % 3 if conditional else None)
    want = RECORDED[name]
    np.testing.assert_allclose(est.sample(3, random_state=1).reshape(-1)[::13][:10],
                               want["sample"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.history_[next(iter(est.history_))], want["loss"], rtol=1e-5)
    if "g_loss" in want:
        np.testing.assert_allclose(est.history_["g_loss"], want["g_loss"], rtol=1e-5)
    if "transform" in want:
        np.testing.assert_allclose(est.transform(images[:3]).reshape(-1), want["transform"],
                                   rtol=1e-4, atol=1e-6)


#: Parameters whose value names an entry of a registry (docs/contributing.rst,
#: "Adding an option"): no module compares them with a name.
REGISTERED = {"architecture", "loss", "prior", "objective", "likelihood", "conditioning",
              "dtype_policy", "learning_rate_schedule"}


def test_no_module_compares_a_registered_name():
    offences = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            named = any((isinstance(s, ast.Attribute) and s.attr in REGISTERED)
                        or (isinstance(s, ast.Name) and s.id in REGISTERED) for s in sides)
            literal = any(isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides)
            if named and literal:
                offences.append(f"{path.name}:{node.lineno}")
    assert not offences
