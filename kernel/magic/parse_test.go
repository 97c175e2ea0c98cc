package magic

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Segment
	}{
		{"plain code", "x := 1\nx", []Segment{{Kind: Code, Body: "x := 1\nx", Line: 1}}},
		{"line magic alone", "%who", []Segment{{Kind: Line, Name: "who", Line: 1}}},
		{"line magic with args", "  %env HOME=/tmp \n", []Segment{{Kind: Line, Name: "env", Args: "HOME=/tmp", Line: 1}}},
		{"magic between code", "a := 1\n%time a++\nb := a\n", []Segment{
			{Kind: Code, Body: "a := 1\n", Line: 1},
			{Kind: Line, Name: "time", Args: "a++", Line: 2},
			{Kind: Code, Body: "b := a\n", Line: 3},
		}},
		{"cell magic", "\n%%timeit -n 3\nx := 1\n", []Segment{{Kind: Cell, Name: "timeit", Args: "-n 3", Body: "x := 1\n", Line: 2}}},
		{"percent in raw string", "s := `\n%d items\n`\n", []Segment{{Kind: Code, Body: "s := `\n%d items\n`\n", Line: 1}}},
		{"percent in block comment", "/* see\n%who\n*/ x", []Segment{{Kind: Code, Body: "/* see\n%who\n*/ x", Line: 1}}},
		{"raw string closed", "s := `a`\n%who\n", []Segment{{Kind: Code, Body: "s := `a`\n", Line: 1}, {Kind: Line, Name: "who", Line: 2}}},
		{"backquote in string", "s := \"`\"\n%who\n", []Segment{{Kind: Code, Body: "s := \"`\"\n", Line: 1}, {Kind: Line, Name: "who", Line: 2}}},
		{"backquote in comment", "x := 1 // `\n%who\n", []Segment{{Kind: Code, Body: "x := 1 // `\n", Line: 1}, {Kind: Line, Name: "who", Line: 2}}},
		{"modulo is code", "x := 7\n% 2", []Segment{{Kind: Code, Body: "x := 7\n% 2", Line: 1}}},
		{"not a name", "%1abc", []Segment{{Kind: Code, Body: "%1abc", Line: 1}}},
		{"name glued to symbol", "%who()", []Segment{{Kind: Code, Body: "%who()", Line: 1}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseMisplacedCellMagic(t *testing.T) {
	_, err := Parse("x := 1\n%%px\n")
	if me, ok := err.(*MisplacedError); !ok || me.Line != 2 || me.Name != "px" {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "%%px must be on the first line") {
		t.Errorf("message %q", err)
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  a  b\tc ", []string{"a", "b", "c"}},
		{`--targets ::2 --noblock`, []string{"--targets", "::2", "--noblock"}},
		{`'a b' "c \"d\"" e\ f`, []string{"a b", `c "d"`, "e f"}},
		{`''`, []string{""}},
		{`x=''y`, []string{"x=y"}},
	}
	for _, tt := range tests {
		got, err := SplitArgs(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`, `a "b\"`} {
		if _, err := SplitArgs(bad); err != ErrUnterminatedQuote {
			t.Errorf("SplitArgs(%q) error %v", bad, err)
		}
	}
}
