"""A quiet library: training and sampling with verbose=0 write nothing to stderr."""
import os
import subprocess
import sys

SCRIPT = """
import numpy as np
from mnistgen import GANGenerator, VAEGenerator
X = np.random.default_rng(0).random((64, 8, 8))
VAEGenerator(hidden_units=(8,), epochs=1, random_state=0).fit(X).sample(4)
GANGenerator(generator_units=(8,), discriminator_units=(8,), epochs=1, random_state=0).fit(X).sample(4)
X = np.random.default_rng(0).random((64, 28, 28))
GANGenerator(architecture="conv", conv_filters=(4, 8), latent_dim=4, epochs=1, random_state=0).fit(X).sample(4)
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


def test_tensorflow_start_up_lines_come_back_when_asked_for():
    env = dict(_clean_env(), TF_CPP_MIN_LOG_LEVEL="0")
    done = subprocess.run([sys.executable, "-c", "from mnistgen._backend import get_keras; get_keras()"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0
    assert done.stderr != ""  # TensorFlow's own start-up lines, not held back
