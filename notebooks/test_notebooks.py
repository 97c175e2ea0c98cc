"""Execute every lecture notebook on the goparallel kernel and check that the
outputs show what the lecture shows.

Each notebook runs top to bottom in a temporary directory with nbclient (what
`jupyter nbconvert --execute` uses), against the kernelspec that conftest.py
installs into a temporary prefix; its clusters live under a temporary
GOPARALLEL_DIR. The checks look at values, partitions and labels, never at
process ids or timings, which change from run to run.

Run with: /usr/bin/python3 -m pytest -q notebooks
"""
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = ["01-getting-started.ipynb", "02-direct-interface.ipynb",
             "03-magics.ipynb", "04-load-balanced.ipynb"]
KERNELSPEC = {"name": "goparallel", "display_name": "Go (goparallel)", "language": "go"}


# ---- running notebooks ------------------------------------------------------

_executed = {}


def executed(name, tmp_path_factory):
    """The notebook, executed once per test session (outputs cleared first)."""
    if name not in _executed:
        nb = nbformat.read(os.path.join(HERE, name), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        workdir = tmp_path_factory.mktemp(name.split("-")[0])
        client = NotebookClient(nb, timeout=600, kernel_name="goparallel",
                                resources={"metadata": {"path": str(workdir)}})
        try:
            client.execute()
        finally:
            nbformat.write(nb, str(workdir / name))  # kept for a look when a test fails
        _executed[name] = nb
    return _executed[name]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return lambda name: executed(name, tmp_path_factory)


# ---- reading outputs --------------------------------------------------------

def cell(nb, fragment):
    """The first code cell whose source contains fragment."""
    for c in nb.cells:
        if c.cell_type == "code" and fragment in c.source:
            return c
    raise AssertionError("no code cell contains %r" % fragment)


def exact(nb, source):
    """The code cells whose whole source is source."""
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source]


def texts(c):
    """The text of a cell's outputs: streams and text/plain, in order."""
    out = []
    for o in c.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            out.append(o.data.get("text/plain", ""))
        elif o.output_type == "error":
            out.append("%s: %s" % (o.ename, o.evalue))
    return "\n".join(out)


def result(c):
    """A cell's Out value, in the form fmt.Println prints it: the kernel's
    []int{0, 1, 4} becomes [0 1 4], and [][]int{{0, 1}, {2}} becomes [[0 1] [2]]."""
    res = [o for o in c.outputs if o.output_type == "execute_result"]
    assert res, "cell has no result: %r\n%s" % (c.source[:60], texts(c))
    return golist(res[-1].data["text/plain"])


def golist(s):
    s = s.strip().replace("interface {}", "any")
    s = re.sub(r"^[\[\]\w.]*\{", "[", s)  # the leading type, e.g. []int{ or [][2]int{
    return s.replace("{", "[").replace("}", "]").replace(", ", " ")


def groups(values):
    """Sizes of the runs of equal neighbours: [7 7 9 9 4] → [2, 2, 1]."""
    sizes = []
    for i, v in enumerate(values):
        if i > 0 and v == values[i - 1]:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def ints(s):
    return [int(x) for x in re.findall(r"-?\d+", s)]


def no_errors(nb):
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert o.output_type != "error", "error in %r: %s: %s" % (c.source[:60], o.ename, o.evalue)


# ---- the stored notebooks ---------------------------------------------------

@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_with_outputs(name):
    """Notebooks are committed executed: every code cell ran, none failed."""
    nb = nbformat.read(os.path.join(HERE, name), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == KERNELSPEC
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for c in code:
        assert c.execution_count is not None, "not executed: %r" % c.source[:60]
    no_errors(nb)


def test_every_notebook_is_tested():
    assert sorted(f for f in os.listdir(HERE) if f.endswith(".ipynb")) == NOTEBOOKS


# ---- what each notebook shows ----------------------------------------------

def test_getting_started(run):
    nb = run("01-getting-started.ipynb")
    no_errors(nb)
    assert result(cell(nb, "c.IDs()")) == "[0 1 2 3]"
    assert result(cell(nb, 'return "Hello World!"')) == '["Hello World!" "Hello World!" "Hello World!" "Hello World!"]'
    assert result(cell(nb, "add(1, 2)")) == "3"
    assert result(cell(nb, "ApplySync(add2")) == "[3 3 3 3]"


def test_direct_interface(run):
    nb = run("02-direct-interface.ipynb")
    no_errors(nb)
    # map, and how it spreads items over engines
    assert result(cell(nb, "MapSync(pow10")) == "[0 1 1024 59049 1048576 9765625 60466176]"
    out = texts(cell(nb, "fmt.Println(pid)"))
    for e in range(4):
        assert re.search(r"^\[stdout:%d\] \d+$" % e, out, re.M), out
    assert groups(ints(result(cell(nb, "return pid }, parallel.Range(7)")))) == [2, 2, 2, 1]
    assert groups(ints(result(cell(nb, "return pid }, parallel.Range(10)")))) == [3, 3, 2, 2]
    # apply and blocking
    assert result(cell(nb, 'dview.Set("a", 6)')) == "<AsyncResult: apply>"
    assert result(cell(nb, "dview.Block = true\ndview.Apply")) == "[40 40 40 40]"
    # targets, execute on even and odd engines
    assert result(cell(nb, "dview.Targets")) == "[0 1 2 3]"
    assert result(cell(nb, "dview2.Targets")) == "[1 2]"
    assert result(cell(nb, 'c.Slice("::2").Execute')) == "<AsyncResult: execute>"
    assert result(cell(nb, 'dview.Get("c")')) == "[13 -1 13 -1]"
    # AsyncResult
    assert result(cell(nb, "time.Sleep(500 * time.Millisecond)")) == "false"
    # push and pull
    assert result(cell(nb, "dview.Push(map[string]any{\"a\": 1.03234")) == "<AsyncResult: push>"
    pulls = exact(nb, 'dview.PullSync("a")')
    assert [result(c) for c in pulls] == ["[1.03234 1.03234 1.03234 1.03234]", "[0 1 2 3]"]
    assert result(cell(nb, 'dview.PullSync("a", "b")')) == "[[1.03234 3453] [1.03234 3453] [1.03234 3453] [1.03234 3453]]"
    assert result(cell(nb, 'dview.On(0).PullSync("b")')) == "3453"
    assert result(cell(nb, '"b": i*i + 1')) == "[0 1 2 3]"
    # scatter and gather
    assert result(exact(nb, 'dview.Scatter("c", parallel.Range(28))')[0]) == "<AsyncResult: scatter>"
    assert result(exact(nb, 'dview.Get("c")')[1]) == ("[[0 1 2 3 4 5 6] [7 8 9 10 11 12 13] "
                                "[14 15 16 17 18 19 20] [21 22 23 24 25 26 27]]")
    assert result(cell(nb, 'GatherSync("c")')) == "9"
    assert result(cell(nb, "parallel.Range(10))\ndview.Get")) == "[[0 1 2] [3 4 5] [6 7] [8 9]]"
    # remote functions
    assert len(ints(result(cell(nb, "getpid.CallSync()")))) == 4
    hello = ["Hello world from %d out of 4!" % i for i in range(4)]
    assert result(cell(nb, "hello.CallSync()")) == "[" + " ".join('"%s"' % h for h in hello) + "]"
    assert result(cell(nb, "hello2.CallSync()")) == "[" + " ".join('"%s"' % h for h in hello) + "]"
    assert result(cell(nb, "dictNum.CallSync()")) == "[[1 90] [1 90] [1 90] [1 90]]"
    # the variance
    out = texts(cell(nb, "localSum.CallSync()"))
    for line in ["Partial sum [21 70 119 168]", "Global sum 378", "Mean 13.5",
                 "Partial variance sum [799.75 113.75 113.75 799.75]",
                 "Variance = 8.077747210701755"]:
        assert line + "\n" in out, out
    # synchronisation
    assert result(cell(nb, "ar = engWait.CallAsync()")) == "false"
    assert result(exact(nb, "ar.Wait()")[0]) == "true"
    # parallel function, speed-up
    assert result(cell(nb, "A := make([]float64, 640*48)")) == "30720"
    assert result(cell(nb, "same := len(Cr)")) == "true"
    assert "511984000\nparallel run time:" in texts(cell(nb, "parallelRun := func() int"))
    assert "511984000\nserial run time:" in texts(cell(nb, "serialRun := func() int"))
    out = texts(cell(nb, "for round := 0; round < 3; round++"))
    assert out.count("speed-up") == 2, out


def test_magics(run):
    nb = run("03-magics.ipynb")
    no_errors(nb)
    out = texts(cell(nb, '%px fmt.Println("Hello world!")'))
    for e in range(4):
        assert "[stdout:%d] Hello world!" % e in out, out
    out = texts(cell(nb, "%%px --targets ::2"))
    assert "[stdout:0] I am even" in out and "[stdout:2] I am even" in out, out
    assert "[stdout:1]" not in out and "[stdout:3]" not in out, out
    out = texts(cell(nb, "%%px --targets 1:3"))
    assert re.findall(r'Out\[(\d+):\d+\]: "engine (\d+) of 4', out) == [("1", "1"), ("2", "2")], out
    out = texts(cell(nb, "%pxresult"))
    assert sorted(re.findall(r"Out\[(\d+):\d+\]", out)) == ["0", "1", "2", "3"], out
    out = texts(cell(nb, "%px %time"))
    assert out.count("1.4142135623730951") == 4 and out.count("Wall time") == 4, out
    out = texts(cell(nb, "mat.Formatted(a)"))
    assert sorted(re.findall(r"\[stdout:(\d+)\]", out)) == ["0", "1", "2", "3"], out
    out = texts(cell(nb, "eig.Values(nil)"))
    assert sorted(re.findall(r"Out\[(\d+):\d+\]", out)) == ["0", "1", "2", "3"], out
    plot = cell(nb, "%%px --targets 0\nimport")
    assert any("image/png" in o.get("data", {}) for o in plot.outputs), plot.outputs


def test_load_balanced(run):
    nb = run("04-load-balanced.ipynb")
    no_errors(nb)
    assert "5118400" in texts(cell(nb, "lview.Map(identity"))
    assert "5118400" in texts(cell(nb, "dview.Map(identity"))
    assert "3200 results" in texts(cell(nb, "perItem.ChunkSize = 1"))
    out = texts(cell(nb, "Lf := lview.Parallel"))
    assert out.count("19840\n") == 2, out
    # static chunks: one message per engine; load-balanced: 16 chunks of 2
    out = texts(cell(nb, "lview.MapAsync(work"))
    direct, balanced = out.split("load-balanced view:")
    assert "direct view (static chunks):" in direct, out
    assert sum(ints(" ".join(re.findall(r"(\d+) message", direct)))) == 4, out
    assert sum(ints(" ".join(re.findall(r"(\d+) message", balanced)))) == 16, out
    assert "load-balanced / direct:" in balanced, out
