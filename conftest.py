"""For every test and doctest: close the Matplotlib figures it opened.

The plotting functions' docstring examples draw figures that nobody closes;
without this, a pytest worker that runs more than 20 of them warns that too
many figures are open.
"""
import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
