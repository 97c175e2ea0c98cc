"""The goparallel kernel against jupyter_kernel_test, with every test enabled."""
import json
import os
import unittest

import jupyter_kernel_test
from jupyter_client.kernelspec import KernelSpecManager

DISPLAY = 'import "github.com/goparallel/goparallel/kernel/display"\n'


class GoparallelKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "goparallel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import (\n\t"fmt"\n\t"os"\n)\nfmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "fmt.Pri", "matches": {"Print", "Printf", "Println"}},
        {"text": "strings.HasP", "matches": {"HasPrefix"}},
        {"text": "%ti", "matches": {"%time", "%timeit"}},
    ]

    complete_code_samples = ["1", 'fmt.Println("hi")', "x := 1", "func f() {}", "%who", "for {\n}"]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "x := []int{1,\n2,", "s := `raw", "y := 1 +", "%%time"]
    invalid_code_samples = ["}", "x := )", "f(]"]

    code_page_something = "%help"

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": '"go" + "pher"', "result": '"gopher"'},
        {"code": "[]int{1, 2, 3}", "result": "[]int{1, 2, 3}"},
        {"code": DISPLAY + 'display.HTML("<b>bold</b>")', "mime": "text/html"},
    ]

    code_display_data = [
        {"code": DISPLAY + 'display.Display(display.HTML("<i>hi</i>"))', "mime": "text/html"},
        {"code": DISPLAY + 'display.Display(display.Markdown("# Title"))', "mime": "text/markdown"},
        {"code": DISPLAY + 'display.Display(display.SVG("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>"))', "mime": "image/svg+xml"},
        {"code": DISPLAY + 'display.Display(display.LaTeX("$x^2$"))', "mime": "text/latex"},
        {"code": DISPLAY + 'display.Display(display.JSON(map[string]int{"a": 1}))', "mime": "application/json"},
        {"code": DISPLAY + 'import "image"\ndisplay.Display(image.NewGray(image.Rect(0, 0, 4, 4)))', "mime": "image/png"},
        {"code": DISPLAY + 'display.New(display.Text("0%")).Update(display.Text("100%"))', "mime": "text/plain"},
    ]

    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "fmt.Println"

    code_clear_output = DISPLAY + "display.ClearOutput(true)"


class KernelspecTests(unittest.TestCase):
    def test_installed_kernelspec(self):
        spec = KernelSpecManager().get_kernel_spec("goparallel")
        self.assertEqual(spec.language, "go")
        self.assertEqual(spec.interrupt_mode, "message")
        self.assertIn("Go", spec.display_name)
        self.assertIn("parallel", spec.display_name)
        self.assertEqual(spec.argv[1:], ["kernel", "-f", "{connection_file}"])
        self.assertTrue(os.path.isabs(spec.argv[0]))
        self.assertEqual(os.path.realpath(spec.argv[0]), os.path.realpath(os.environ["GOPARALLEL_TEST_BINARY"]))
        for logo in ("logo-32x32.png", "logo-64x64.png"):
            self.assertTrue(os.path.isfile(os.path.join(spec.resource_dir, logo)), logo)
        with open(os.path.join(spec.resource_dir, "kernel.json")) as f:
            self.assertEqual(json.load(f)["language"], "go")
