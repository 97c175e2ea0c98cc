"""Hermetic set-up for the Jupyter client tests of the goparallel kernel.

Before any test runs, the goparallel binary is built (or taken from $GOPARALLEL_BIN)
and `goparallel install --prefix TMP` installs its kernelspec into a temporary
prefix. JUPYTER_PATH points there, so jupyter_client, jupyter console and nbconvert
find exactly this kernel; JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR and GOPARALLEL_DIR
(history) are temporary too, so the tests neither read nor change the user's setup.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

_tmp = None


def pytest_configure(config):
    global _tmp
    _tmp = tempfile.mkdtemp(prefix="goparallel-jupytertest-")
    binary = os.environ.get("GOPARALLEL_BIN")
    if not binary:
        os.makedirs(os.path.join(_tmp, "bin"))
        binary = os.path.join(_tmp, "bin", "goparallel")
        subprocess.run(["go", "build", "-o", binary, "."], cwd=ROOT, check=True)
    prefix = os.path.join(_tmp, "prefix")
    subprocess.run([binary, "install", "--prefix", prefix], check=True, stdout=subprocess.DEVNULL)
    for name, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTER_DATA_DIR", "data"), ("GOPARALLEL_DIR", "goparallel")]:
        path = os.path.join(_tmp, sub)
        os.makedirs(path, exist_ok=True)
        os.environ[name] = path
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
    os.environ["GOPARALLEL_TEST_BINARY"] = binary


def pytest_unconfigure(config):
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


@pytest.fixture
def kernelspec_dir():
    return os.path.join(os.environ["JUPYTER_PATH"], "kernels", "goparallel")
