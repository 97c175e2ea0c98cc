"""Hermetic set-up for the notebook tests: the same as kernel/jupytertest's.

kernel/jupytertest/conftest.py builds the goparallel binary (or takes
$GOPARALLEL_BIN), installs its kernelspec into a temporary prefix and points
JUPYTER_PATH, the Jupyter config/runtime/data dirs and GOPARALLEL_DIR at
temporary directories. Its hooks are loaded from that file and used as they
are, so both suites set up Jupyter in exactly one way.
"""
import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(_HERE, "..", "kernel", "jupytertest", "conftest.py")

_spec = importlib.util.spec_from_file_location("goparallel_jupytertest_setup", _PATH)
_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_setup)

pytest_configure = _setup.pytest_configure
pytest_unconfigure = _setup.pytest_unconfigure
