"""Install mnistgen: ``pip install .`` (or ``pip install -e ".[test]"``)."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'"(.+)"', (HERE / "mnistgen" / "_version.py").read_text()).group(1)

setup(
    name="mnistgen",
    version=VERSION,
    description="The GAN and VAE of an MNIST course report as scikit-learn estimators on Keras 3.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["mnistgen", "mnistgen.*"]),
    package_data={"mnistgen": ["data/*.npz"]},
    python_requires=">=3.10",
    # Lower bounds: the oldest releases the code needs, no upper pins. The
    # suite was run at these floors (keras 3.1.1, tensorflow 2.16.1, numpy
    # 1.23.5, scikit-learn 1.6.0, matplotlib 3.6.0): everything trains, saves
    # and loads; what fails there is tf.distribute training matching one
    # device to the tests' tolerance and a quiet stderr with XLA (TensorFlow
    # 2.16 logs its compilations). Keras 3.0.x fails spectral normalisation
    # in a compiled step.
    install_requires=[
        "keras>=3.1.1",
        "tensorflow>=2.16",    # the first whose Keras is Keras 3
        "numpy>=1.23.5",       # TensorFlow 2.16's own floor
        "scikit-learn>=1.6",   # estimator tags (__sklearn_tags__)
        "matplotlib>=3.6",
        # load() reads the layout of a .keras file's weights (HDF5) before
        # Keras does, to bound what a hostile file can make it allocate;
        # Keras itself needs h5py, so this installs nothing new.
        "h5py",
    ],
    extras_require={
        # hypothesis: the property-based tests that feed random shapes,
        # dtypes and values to fit/transform/sample/load (tests/test_fuzz.py).
        # pytest-xdist: the suite runs in two processes (tox.ini): 10 minutes
        # on the 2-core AMD CI machine, about 14 in one process.
        "test": ["pytest>=7", "hypothesis>=6", "pytest-xdist>=3"],
        "docs": ["sphinx>=7", "pydata-sphinx-theme", "numpydoc", "sphinx-gallery"],
    },
    entry_points={"console_scripts": ["mnistgen=mnistgen.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
