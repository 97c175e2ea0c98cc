"""The Jupyter Notebook (Debian's, 6.x, classic UI) in headless Chromium, driven
by browser.mjs (playwright-core, /usr/bin/chromium): a copy of a notebook whose
metadata names another kernel is opened, Go (goparallel) is picked from
Kernel > Change kernel, Cell > Run All runs it, and what the page then shows
is checked: the [stdout:N] labels of %px, the API's results, an inline
data:image/png plot. Screenshots go to notebooks/frontends/artifacts/.

Needs `npm ci` in notebooks/frontends (playwright-core) and Debian's chromium.
Run with: /usr/bin/python3 -m pytest -q notebooks/frontends/test_browser.py
"""
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from frontend_procs import env_with, free_port, kill_marked, marked, new_mark, wait_gone

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = os.path.dirname(HERE)
ARTIFACTS = os.path.join(HERE, "artifacts")
KERNEL = "goparallel"
DISPLAY = "Go (goparallel)"


class Server:
    """A `jupyter notebook` server on 127.0.0.1 with its own notebook dir and
    GOPARALLEL_DIR; every process it starts carries mark."""

    def __init__(self, root):
        self.mark = new_mark()
        self.nbdir = root / "notebooks"
        self.nbdir.mkdir()
        self.gpdir = root / "goparallel"
        self.gpdir.mkdir()
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d/" % self.port
        self.logpath = root / "notebook-server.log"
        argv = ["jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", "--port=%d" % self.port,
                "--port-retries=0", "--NotebookApp.token=%s" % self.token,
                "--notebook-dir=%s" % self.nbdir]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(argv, env=env_with(self.mark, GOPARALLEL_DIR=str(self.gpdir)),
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("jupyter notebook exited with %s:\n%s" % (self.proc.returncode, self.tail()))
            try:
                self.api("GET", "api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError("jupyter notebook did not answer in 60 s:\n" + self.tail())
                time.sleep(0.2)

    def api(self, method, path, timeout=30):
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": "token " + self.token})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def tail(self, n=6000):
        self.log.flush()
        with open(self.logpath, "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def stop(self):
        """Stops the server as Jupyter does (its kernels, and so their clusters,
        shut down first), then ends whatever of this server is left. Returns
        the processes that had to be killed."""
        try:
            self.api("POST", "api/shutdown", timeout=10)
        except Exception:
            self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        left = wait_gone(self.mark, 15)
        if left:
            kill_marked(self.mark)
        self.log.close()
        return left


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        pytest.fail("playwright-core is not installed: run `npm ci` in notebooks/frontends")
    srv = Server(tmp_path_factory.mktemp("browser"))
    try:
        yield srv
    finally:
        left = srv.stop()
        assert not left, "processes left after the notebook server stopped: %r" % left


@pytest.fixture
def srv(server):
    """The module's server; the kernels a test started are shut down after it,
    also when it fails, so the next test starts clean."""
    yield server
    try:
        close_sessions(server)
    except Exception:
        pass


def prepare(srv, source, name):
    """A copy of source in the server's notebook dir, outputs cleared, its
    metadata naming another kernel than goparallel (so the test has to pick
    goparallel from the frontend's list). Returns that kernel's display name."""
    specs = srv.api("GET", "api/kernelspecs")["kernelspecs"]
    assert KERNEL in specs, "the server does not list the goparallel kernel: %r" % list(specs)
    assert specs[KERNEL]["spec"]["display_name"] == DISPLAY
    others = sorted(k for k in specs if k != KERNEL)
    assert others, "no other kernel to start from (Debian's jupyter-notebook brings python3)"
    other = specs[others[0]]["spec"]
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = {"name": others[0], "display_name": other["display_name"],
                                 "language": other.get("language", "")}
    nb.metadata["language_info"] = {"name": other.get("language", "")}
    nbformat.write(nb, str(srv.nbdir / name))
    return other["display_name"]


def run_browser(srv, name, screenshot, expect=(), pngs=0):
    argv = ["node", os.path.join(HERE, "browser.mjs"), "--url", srv.url, "--token", srv.token,
            "--notebook", name, "--kernel", KERNEL, "--screenshot", screenshot,
            "--pngs", str(pngs), "--timeout", "240"]
    for e in expect:
        argv += ["--expect", e]
    mark = new_mark()  # node and its Chromium
    proc = subprocess.Popen(argv, cwd=HERE, env=env_with(mark), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += "\n(browser.mjs killed after 300 s)"
    finally:
        left = kill_marked(mark)
    assert not left, "browser processes left after browser.mjs exited: %r" % left
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    return proc.returncode, report, err


def close_sessions(srv):
    """Shuts down the notebooks' kernels as the Notebook's Shutdown button does;
    the kernels stop their clusters. Then only the server is left."""
    for s in srv.api("GET", "api/sessions"):
        srv.api("DELETE", "api/sessions/" + s["id"])
    deadline = time.monotonic() + 20
    while True:
        left = {p: c for p, c in marked(srv.mark).items() if p != srv.proc.pid}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def check_common(srv, rc, report, err, name, other_display):
    assert report is not None, "browser.mjs printed no report (exit %s):\n%s" % (rc, err[-4000:])
    assert rc == 0, "browser.mjs failed: %s\n%s\nserver log:\n%s" % (
        report["failures"], err[-4000:], srv.tail())
    # The kernel was picked from the frontend's list.
    assert report["kernelAtOpen"] == other_display
    assert {"name": KERNEL, "display": DISPLAY} in report["kernelList"]
    assert report["kernelAfterChange"] == DISPLAY
    assert report["metadataKernel"] == KERNEL
    assert not report["pageErrors"], report["pageErrors"]
    # The server runs one kernel for the notebook now: goparallel's.
    sessions = [s for s in srv.api("GET", "api/sessions") if s["path"] == name]
    assert [s["kernel"]["name"] for s in sessions] == [KERNEL]
    kernels = srv.api("GET", "api/kernels")
    assert [k["name"] for k in kernels] == [KERNEL], kernels
    # Every code cell ran, without an error.
    for i, c in enumerate(report["cells"]):
        assert c["prompt"].startswith("In [") and c["prompt"] != "In [ ]:", (i, c)
        assert c["errors"] == 0, (i, c["text"])
    # The browser saved the notebook: the server's copy has the outputs and the kernel.
    saved = nbformat.read(str(srv.nbdir / name), as_version=4)
    assert saved.metadata.kernelspec.name == KERNEL
    return saved


def shown(report):
    return "\n".join(c["text"] for c in report["cells"])


def test_cluster_plot_notebook(srv):
    name = "cluster_plot.ipynb"
    other = prepare(srv, os.path.join(HERE, name), name)
    shot = os.path.join(ARTIFACTS, "notebook.png")
    if os.path.exists(shot):
        os.remove(shot)
    hello = ["[stdout:%d] Hello World! I am engine %d of 4" % (i, i) for i in range(4)]
    rc, report, err = run_browser(srv, name, shot, pngs=1, expect=hello + [
        "with 4 engines is ready",
        "[]int{0, 1, 2, 3}",
        '[]string{"Hello World!", "Hello World!", "Hello World!", "Hello World!"}',
        "[]int{0, 1, 8, 27, 64, 125, 216}",
        "[output:0]",
        "<Cluster default> stopped",
    ])
    saved = check_common(srv, rc, report, err, name, other)
    text = shown(report)
    # %px output: one labelled line per engine, in engine order, as a frontend shows it.
    px = [l for l in text.split("\n") if l.startswith("[stdout:")]
    assert px == hello, text
    # The plot: one inline PNG, drawn on engine 0, 4x3 inches at 96 dpi.
    plot = [c for c in report["cells"] if c["pngs"]]
    assert len(plot) == 1 and "%%px --targets 0" in plot[0]["source"], plot
    assert plot[0]["pngs"][0]["width"] == 384 and plot[0]["pngs"][0]["height"] == 288
    assert plot[0]["text"].startswith("[output:0]")
    out = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs
           if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(out) == 1 and out[0].metadata["engine"] == 0
    assert os.path.getsize(shot) > 20000
    assert close_sessions(srv) == {}, "kernel or cluster processes left after the kernel shut down"
    assert not os.path.exists(srv.gpdir / "profile_default" / "pid" / "cluster.json")


def test_getting_started_notebook(srv):
    name = "01-getting-started.ipynb"
    source = os.path.join(NOTEBOOKS, name)
    if not os.path.exists(source):
        pytest.skip("notebooks/01-getting-started.ipynb is not written yet")
    other = prepare(srv, source, name)
    shot = os.path.join(ARTIFACTS, "01-getting-started.png")
    if os.path.exists(shot):
        os.remove(shot)
    rc, report, err = run_browser(srv, name, shot, expect=[
        "with 4 engines is ready", "[]int{0, 1, 2, 3}", "Hello World!", "<Cluster default> stopped",
    ])
    check_common(srv, rc, report, err, name, other)
    # Hello World from each of the four engines.
    assert shown(report).count('"Hello World!"') == 4, shown(report)
    assert close_sessions(srv) == {}, "kernel or cluster processes left after the kernel shut down"
    assert not os.path.exists(srv.gpdir / "profile_default" / "pid" / "cluster.json")
