"""Hermetic set-up for the Jupyter client tests of the %px magics.

The set-up is kernel/jupytertest/conftest.py's, loaded from that file and used as
it is: the goparallel binary is built (or taken from $GOPARALLEL_BIN), its
kernelspec is installed into a temporary prefix, and JUPYTER_PATH, the Jupyter
config/runtime/data dirs and GOPARALLEL_DIR point into a temporary directory.
Each kernel started here also gets its own GOPARALLEL_DIR, so the clusters it
starts (profile files, state files) are its own.
"""
import importlib.util
import os
import re
import time

import pytest
from jupyter_client.manager import KernelManager

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "goparallel_jupytertest_setup", os.path.join(_HERE, "..", "..", "..", "kernel", "jupytertest", "conftest.py"))
_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_setup)

pytest_configure = _setup.pytest_configure
pytest_unconfigure = _setup.pytest_unconfigure


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(s):
    return ANSI.sub("", s)


class Result:
    """The iopub messages one execute_request caused, and its reply."""

    def __init__(self, msgs, reply):
        self.msgs = msgs  # [(msg_type, content, metadata-free message)]
        self.reply = reply

    def of(self, *types):
        return [c for t, c in self.msgs if t in types]

    @property
    def stdout(self):
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stdout")

    @property
    def stderr(self):
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stderr")

    @property
    def displays(self):
        return self.of("display_data")

    def texts(self):
        """text/plain of every display_data, in order."""
        return [d["data"].get("text/plain") for d in self.displays]

    @property
    def error(self):
        errs = self.of("error")
        return errs[0] if errs else None

    @property
    def traceback(self):
        return plain("\n".join(self.error["traceback"])) if self.error else ""

    @property
    def ok(self):
        return self.reply["status"] == "ok"

    def result(self):
        rs = self.of("execute_result")
        return rs[0]["data"]["text/plain"] if rs else None

    def __repr__(self):
        return "Result(%s, %r)" % (self.reply["status"], self.msgs)


class Kernel:
    """A goparallel kernel driven through jupyter_client, with its own
    GOPARALLEL_DIR."""

    def __init__(self, gpdir):
        os.makedirs(gpdir, exist_ok=True)
        self.gpdir = gpdir
        self.km = KernelManager(kernel_name="goparallel")
        self.km.start_kernel(env=dict(os.environ, GOPARALLEL_DIR=gpdir))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def submit(self, code):
        return self.kc.execute(code)

    def collect(self, msg_id, timeout=120, until=None):
        """Collect the iopub messages of msg_id until the kernel is idle, or
        until until(msg_type, content) is true (then the rest is left)."""
        msgs = []
        deadline = time.monotonic() + timeout
        while True:
            m = self.kc.get_iopub_msg(timeout=max(1, deadline - time.monotonic()))
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = m["msg_type"], m["content"]
            if t == "status" and c["execution_state"] == "idle":
                return msgs, True
            if t in ("status", "execute_input"):
                continue
            msgs.append((t, c))
            if until and until(t, c):
                return msgs, False

    def reply(self, msg_id, timeout=30):
        while True:
            r = self.kc.get_shell_msg(timeout=timeout)
            if r["parent_header"].get("msg_id") == msg_id:
                return r["content"]

    def run(self, code, timeout=120):
        mid = self.submit(code)
        msgs, _ = self.collect(mid, timeout)
        return Result(msgs, self.reply(mid))

    def ok(self, code, timeout=120):
        r = self.run(code, timeout)
        assert r.ok, (code, r.traceback or r)
        return r

    def shutdown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


@pytest.fixture
def new_kernel(tmp_path):
    """Starts kernels with their own GOPARALLEL_DIR; shuts them down after the
    test."""
    kernels = []

    def start(name="gp"):
        k = Kernel(str(tmp_path / name))
        kernels.append(k)
        return k

    yield start
    for k in kernels:
        try:
            k.shutdown()
        except Exception:
            pass


@pytest.fixture(scope="module")
def px(tmp_path_factory):
    """A kernel with a 4-engine cluster started by %ipcluster, fmt, os and time
    imported on the engines."""
    k = Kernel(str(tmp_path_factory.mktemp("px")))
    k.ok("%ipcluster start -n 4")
    k.ok('import "fmt"')
    k.ok('%px import "fmt"\n%px import "os"\n%px import "time"\n%px import "goparallel/engine"')
    yield k
    try:
        k.run("%ipcluster stop")
    finally:
        k.shutdown()
