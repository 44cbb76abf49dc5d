"""A quiet library: training and sampling with verbose=0 write nothing to stderr."""
import os
import subprocess
import sys

import pytest

SCRIPT = """
import numpy as np
from mnistgen import GANGenerator, VAEGenerator
X = np.random.default_rng(0).random((64, 8, 8))
VAEGenerator(hidden_units=(8,), epochs=1, random_state=0).fit(X).sample(4)
GANGenerator(generator_units=(8,), discriminator_units=(8,), epochs=1, random_state=0).fit(X).sample(4)
X = np.random.default_rng(0).random((64, 28, 28))
GANGenerator(architecture="conv", conv_filters=(4, 8), latent_dim=4, epochs=1, random_state=0).fit(X).sample(4)
GANGenerator(architecture="conv", conv_filters=(4, 8), latent_dim=4, loss="bce-r1", epochs=1,
             random_state=0).fit(X)
VAEGenerator(architecture="conv", conv_filters=(4, 8), conv_dense_units=(8,), epochs=1,
             random_state=0).fit(X).sample(4)
"""


def _clean_env():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user has it: nothing set
    return env


def test_fit_and_sample_write_nothing_to_stderr():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=_clean_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""


COUNT_HOLD_BACKS = """
import mnistgen._backend as backend
held = []
hold_back = backend._native_stderr_held_back
def counting():
    held.append(1)
    return hold_back()
backend._native_stderr_held_back = counting
backend.get_keras()
print(len(held))
"""


@pytest.mark.parametrize("level, held_back", [(None, 1), ("0", 0)])
def test_tensorflow_start_up_lines_come_back_when_asked_for(level, held_back):
    """mnistgen holds back native stderr while TensorFlow first loads, unless
    TF_CPP_MIN_LOG_LEVEL asks for its start-up lines."""
    env = _clean_env() if level is None else dict(_clean_env(), TF_CPP_MIN_LOG_LEVEL=level)
    done = subprocess.run([sys.executable, "-c", COUNT_HOLD_BACKS],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(held_back)]
