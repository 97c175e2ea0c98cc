"""`jupyter nbconvert --to notebook --execute` runs a notebook on the goparallel
kernel; the executed notebook holds the expected outputs."""
import os
import subprocess

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))


def test_nbconvert_execute(tmp_path):
    subprocess.run(
        ["jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(tmp_path), "--output", "smoke-out",
         os.path.join(HERE, "smoke.ipynb")],
        check=True,
    )
    nb = nbformat.read(str(tmp_path / "smoke-out.ipynb"), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]

    def outputs(i, kind):
        return [o for o in cells[i].outputs if o.output_type == kind]

    assert outputs(0, "stream")[0].text == "hello from Go\n"
    assert outputs(1, "execute_result")[0].data["text/plain"] == "55"
    assert outputs(1, "execute_result")[0].execution_count == 2
    assert "<b>rich</b>" in outputs(2, "display_data")[0].data["text/html"]
    assert outputs(3, "display_data")[0].data["image/png"]
    squares = outputs(4, "execute_result")[0].data["text/plain"]
    assert squares == "[]int{0, 1, 4, 9, 16}"
    assert "Wall time" in outputs(5, "stream")[0].text
