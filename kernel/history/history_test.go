package history

import (
	"os"
	"path/filepath"
	"testing"
)

func inputs(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Input)
	}
	return out
}

func TestSessionsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "history.jsonl")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Session() != 1 {
		t.Fatalf("first session %d", s.Session())
	}
	s.Add(1, "a := 1", "")
	s.Add(2, "a + 1", "2")
	s.Close()

	// A kernel started without running anything still uses up a session number.
	s, _ = Open(path)
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Session() != 3 {
		t.Fatalf("third session %d", s.Session())
	}
	s.Add(1, "b := 2", "")
	got := s.Tail(2)
	if len(got) != 2 || got[0].Input != "a + 1" || got[0].Output != "2" || got[0].Session != 1 || got[1].Session != 3 {
		t.Fatalf("tail %+v", got)
	}
	if r := s.Range(1, 2, 3); len(r) != 1 || r[0].Input != "a + 1" {
		t.Fatalf("range %+v", r)
	}
	if r := s.Range(0, 1, 0); len(r) != 1 || r[0].Input != "b := 2" {
		t.Fatalf("range of current session %+v", r)
	}
	if r := s.Range(-2, 1, 0); len(r) != 2 {
		t.Fatalf("range of session -2 %+v", r)
	}
}

func TestTornLineIsSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h")
	os.WriteFile(path, []byte(`{"s":4,"n":1,"in":"x"}`+"\n"+`{"s":4,"n":2,"in`), 0o600)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Session() != 5 || len(s.Tail(10)) != 1 {
		t.Fatalf("session %d tail %+v", s.Session(), s.Tail(10))
	}
}

func TestSearch(t *testing.T) {
	s, _ := Open("")
	for i, in := range []string{"x := 1", "6*7", "fmt.Println(x)", "6*7", "y := 6 * 7", "6*7"} {
		s.Add(i+1, in, "")
	}
	if got := inputs(s.Search("6?7", 0, false)); len(got) != 3 {
		t.Errorf("search %q", got)
	}
	if got := s.Search("6?7", 0, true); len(got) != 1 || got[0].Line != 6 {
		t.Errorf("unique keeps the latest: %+v", got)
	}
	if got := inputs(s.Search("*6*", 2, false)); len(got) != 2 || got[0] != "y := 6 * 7" {
		t.Errorf("last two: %q", got)
	}
	if got := s.Search("", 0, false); len(got) != 6 {
		t.Errorf("empty pattern: %d", len(got))
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "any\nthing", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "aéc", true},
		{"a?c", "ac", false},
		{"[abc]x", "bx", true},
		{"[^abc]x", "bx", false},
		{"[a-c]*", "cat", true},
		{"[]]", "]", true},
		{"[^]]", "a", true},
		{"[a-", "a", false},
		{"fmt.*", "fmt.Println(1)", true},
		{"FMT.*", "fmt.Println(1)", false},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},
		{"6?7", "6*7", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}
