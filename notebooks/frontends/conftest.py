"""Hermetic set-up for the frontend tests: the same as kernel/jupytertest's.

kernel/jupytertest/conftest.py builds the goparallel binary (or takes
$GOPARALLEL_BIN), installs its kernelspec into a temporary prefix and points
JUPYTER_PATH, the Jupyter config/runtime/data dirs and GOPARALLEL_DIR at
temporary directories. Its hooks are used as they are. When this directory is
collected with ../conftest.py loaded too (pytest run from the repository root
loads the conftests of every directory down to the tests), that one has already
done the set-up in this process, and it is not done twice.
"""
import importlib.util
import os

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(_HERE, "..", "..", "kernel", "jupytertest", "conftest.py")

_spec = importlib.util.spec_from_file_location("goparallel_frontends_setup", _PATH)
_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_setup)

_mine = False


# After ../conftest.py's, when both are loaded (pytest run from the repository root).
@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    global _mine
    spec = os.path.join(os.environ.get("JUPYTER_PATH", ""), "kernels", "goparallel", "kernel.json")
    if os.environ.get("GOPARALLEL_TEST_BINARY") and os.path.exists(spec):
        return  # set up by a conftest loaded earlier in this session
    _mine = True
    _setup.pytest_configure(config)


def pytest_unconfigure(config):
    if _mine:
        _setup.pytest_unconfigure(config)
