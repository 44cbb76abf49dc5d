"""Named recipes of parameters: ``GANGenerator.from_preset("recommended")``.

After KerasHub's ``from_preset``: a preset is a set of constructor
parameters under a name, and :meth:`BaseGenerator.from_preset` returns an
unfitted estimator built from them, the caller's overrides on top. A preset
has an unconditional recipe and, for ``conditional=True``, a conditional
one (which may differ in more than the flag). The estimator it returns is
an ordinary one: ``get_params``, ``clone``, saving and grid searches see
plain parameters.

The registry :data:`PRESETS` holds every preset by estimator class and
name. What each recipe was chosen from is measured on the documentation's
quality page.
"""
import dataclasses
import types
from typing import Dict, Optional

__all__ = ["Preset", "PresetMixin", "PRESETS", "get_preset", "preset_params"]

#: Parameters an override may change even where a preset sets them: the
#: training budget is the user's to choose.
ADJUSTABLE = frozenset({"epochs"})


def _gaussian_mixture(n_components):
    """A fresh ``GaussianMixture(n_components)`` (made per estimator, never shared)."""
    def make():
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(n_components=n_components)

    return make


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named recipe of constructor parameters.

    Parameters
    ----------
    description : str
        One line: what the recipe is and when to use it.
    params : dict
        The unconditional recipe's parameters; a callable value is a
        factory called for each new estimator (for estimator-valued
        parameters such as ``latent_sampler``).
    conditional_params : dict, default=None
        The conditional recipe's parameters (``conditional=True`` is
        added to them); None: the same as ``params``.
    """

    description: str
    params: Dict[str, object]
    conditional_params: Optional[Dict[str, object]] = None

    def __post_init__(self):
        # read-only views: a caller cannot change a recipe for everyone
        conditional = self.params if self.conditional_params is None else self.conditional_params
        object.__setattr__(self, "params", types.MappingProxyType(dict(self.params)))
        object.__setattr__(self, "conditional_params", types.MappingProxyType(dict(conditional)))

    def recipe(self, conditional=False):
        """The parameters of the unconditional or the conditional recipe."""
        chosen = self.conditional_params if conditional else self.params
        made = {key: value() if callable(value) else value for key, value in chosen.items()}
        if conditional:
            made["conditional"] = True
        return made


_REPORT = Preset("the report's model: the estimator's defaults", {})

#: The presets of each estimator, by class name, then preset name.
PRESETS = {
    "GANGenerator": {
        "report": _REPORT,
        "recommended": Preset(
            "the GAN the quality page recommends: a DCGAN-style convolutional "
            "GAN with an averaged generator, a projection discriminator and the "
            "R1 penalty on the logit loss (with labels computed every fourth "
            "step, for more epochs in the same time); without labels, "
            "conditioned on 50 k-means clusters of the images (self-conditioning)",
            dict(architecture="conv", ema=0.999, self_conditioning=50,
                 conditioning="projection", loss="bce-r1", epochs=24),
            dict(architecture="conv", ema=0.999, conditioning="projection", loss="bce-r1",
                 gp_interval=4, epochs=30),
        ),
    },
    "VAEGenerator": {
        "report": _REPORT,
        "recommended": Preset(
            "the VAE the quality page recommends for its bound, samples and "
            "features: convolutional, 32 latent dimensions, one dense layer of "
            "256 units, a learned prior (a mixture of 10 Gaussians), 55 epochs, "
            "sampling through a 50-component Gaussian mixture fitted on the "
            "training codes; with labels, two dense layers, the N(0, I) prior and "
            "a 10-component mixture per class, for 20 epochs",
            dict(architecture="conv", latent_dim=32, conv_dense_units=(256,), prior="mixture",
                 prior_components=10, epochs=55, latent_sampler=_gaussian_mixture(50)),
            dict(architecture="conv", latent_dim=32, epochs=20,
                 latent_sampler=_gaussian_mixture(10)),
        ),
    },
}


def get_preset(estimator_name, name):
    """The :class:`Preset` ``name`` of the estimator class ``estimator_name``."""
    presets = PRESETS[estimator_name]
    if not isinstance(name, str) or name not in presets:
        raise ValueError(
            f"{estimator_name} has no preset {name!r}; its presets are "
            f"{sorted(presets)} ({estimator_name}.presets() describes them)."
        )
    return presets[name]


def preset_params(cls, name, overrides):
    """Constructor parameters of preset ``name`` of ``cls`` with ``overrides`` on top.

    Raises a ``ValueError`` for an unknown preset name, a ``TypeError`` for
    an override that is not a parameter of ``cls``, and a ``ValueError`` for
    an override that changes a parameter the recipe sets (other than
    those in :data:`ADJUSTABLE`).
    """
    preset = get_preset(cls.__name__, name)
    known = set(cls().get_params(deep=False))
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"{cls.__name__}.from_preset({name!r}) got unknown parameters {unknown}.")
    conditional = overrides.get("conditional", False)
    params = preset.recipe(bool(conditional))
    for key, value in overrides.items():
        if key in params and key not in ADJUSTABLE and not _same(params[key], value):
            raise ValueError(
                f"{cls.__name__}.from_preset({name!r}, {key}={value!r}) contradicts the "
                f"preset, which sets {key}={params[key]!r}. Leave {key} out, or build "
                f"{cls.__name__}(...) with the parameters you want (the recipe is "
                f"{cls.__name__}.presets()[{name!r}].recipe())."
            )
    return {**params, **overrides}


def _same(a, b):
    """Whether an override repeats the preset's value (estimators: same class and parameters)."""
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        return type(a) is type(b) and a.get_params() == b.get_params()
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001  # arrays and other values without a plain ==
        return False


class PresetMixin:
    """``from_preset`` and ``presets`` for the estimators (mixed into the base class)."""

    @classmethod
    def from_preset(cls, name, **overrides):
        """Make an unfitted estimator from a named recipe, ``overrides`` on top.

        Parameters
        ----------
        name : str
            A preset of this estimator: ``"recommended"`` (the recipe the
            documentation's quality page recommends) or ``"report"`` (the
            report's model, the defaults); :meth:`presets` lists them.
        **overrides
            Constructor parameters on top of the recipe. ``conditional=True``
            picks the preset's conditional recipe. Parameters the recipe does
            not set (``random_state``, ``verbose``, ``callbacks``, ...) and
            ``epochs`` may be given freely; giving another value to one the
            recipe sets is an error.

        Returns
        -------
        estimator : object
            An unfitted estimator of this class with plain parameters.

        Raises
        ------
        ValueError
            If ``name`` is not a preset of this estimator, or an override
            contradicts the recipe.
        TypeError
            If an override is not a parameter of this estimator.

        Examples
        --------
        >>> from mnistgen import GANGenerator
        >>> gan = GANGenerator.from_preset("recommended", epochs=5, random_state=0)
        >>> gan.architecture, gan.epochs, gan.random_state
        ('conv', 5, 0)
        >>> sorted(GANGenerator.presets())
        ['recommended', 'report']
        """
        return cls(**preset_params(cls, name, overrides))

    @classmethod
    def presets(cls):
        """The presets of this estimator, by name.

        Returns
        -------
        presets : dict of str to Preset
            Each :class:`~mnistgen._presets.Preset` has a ``description``
            and ``recipe(conditional=False)``, the parameters it sets.

        Examples
        --------
        >>> from mnistgen import VAEGenerator
        >>> VAEGenerator.presets()["recommended"].recipe()["latent_dim"]
        32
        """
        return dict(PRESETS[cls.__name__])
