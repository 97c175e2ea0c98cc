package magic

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that every line of a cell ends up in exactly one segment, in
// order, whatever the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"x := 1\n%time x++\ny", "%%px --targets 0\nfmt.Println(1)", "s := `\n%who\n`", "/*\n%x\n*/", "%", "%%", "\n\n%%a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		segs, err := Parse(src)
		if err != nil {
			if _, ok := err.(*MisplacedError); !ok {
				t.Fatalf("unexpected error type %T", err)
			}
			return
		}
		last := 0
		for _, s := range segs {
			if s.Line <= last {
				t.Fatalf("segments out of order: %+v", segs)
			}
			last = s.Line
			if s.Kind != Code && s.Name == "" {
				t.Fatalf("magic without a name: %+v", s)
			}
			if s.Kind == Cell && len(segs) != 1 {
				t.Fatalf("cell magic with other segments: %+v", segs)
			}
			if s.Kind == Code && !strings.Contains(src, s.Body) {
				t.Fatalf("code %q not in source", s.Body)
			}
		}
	})
}

// FuzzSplitArgs checks that quoting words and splitting them again is the identity.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`a 'b c' "d\"e"`, `\`, `''`, "x\ty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitArgs(s)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = Quote(w)
		}
		again, err := SplitArgs(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("re-split of %q: %v", quoted, err)
		}
		if len(words) == 0 {
			words = nil
		}
		if !reflect.DeepEqual(again, words) {
			t.Fatalf("round trip of %q: %q != %q", s, again, words)
		}
	})
}
