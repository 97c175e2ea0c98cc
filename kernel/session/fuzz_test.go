package session

import (
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"", "x := 1", "func f() {", "}", "import \"fmt\"\nfmt.Println(1)", "s := `raw",
	"for i := 0; i < 3; i++ {\n}", "func (t T) M() {}\nfunc() {}()", "/* c", "x := \"a\nb\"",
	"type P struct{ X int }\nvar p = P{1}\np", "L:\nfor {}", "a[1:2]; b(]", "\x00\xff",
}

// FuzzSplitCell checks that chunks are ordered, disjoint, inside the cell and
// that their text starts with the token their kind says.
func FuzzSplitCell(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		chunks, err := splitCell(code)
		if err != nil {
			return
		}
		prev := 0
		for _, c := range chunks {
			if c.Doc > c.Start || c.Start >= c.End || c.Start < prev || c.End > len(code) {
				t.Fatalf("bad chunk %+v after %d in %q", c, prev, code)
			}
			prev = c.End
			text := code[c.Start:c.End]
			if c.Kind != chunkStmt && !strings.HasPrefix(text, c.Kind.String()) {
				t.Fatalf("chunk %q classified %v", text, c.Kind)
			}
		}
	})
}

// FuzzIsComplete checks that IsComplete never panics, answers one of its
// three statuses, and that a complete cell stays complete with a newline.
func FuzzIsComplete(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		st, indent := IsComplete(code)
		switch st {
		case "complete", "invalid":
			if indent != "" {
				t.Fatalf("%s with indent %q", st, indent)
			}
		case "incomplete":
		default:
			t.Fatalf("status %q", st)
		}
		if st == "complete" {
			if st2, _ := IsComplete(code + "\n"); st2 != "complete" {
				t.Fatalf("%q complete but %q + newline is %s", code, code, st2)
			}
		}
	})
}
