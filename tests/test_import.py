"""``import mnistgen`` stays quick: TensorFlow and Matplotlib load only when used."""
import subprocess
import sys


def test_import_does_not_load_tensorflow():
    code = ("import sys, mnistgen; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
