package magics

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseArgsCell(t *testing.T) {
	yes, no := boolp(true), boolp(false)
	tests := []struct {
		args string
		want pxArgs
		err  string
	}{
		{"", pxArgs{}, ""},
		{"--targets ::2", pxArgs{Targets: "::2"}, ""},
		{"--target 0", pxArgs{Targets: "0"}, ""}, // the lecture's spelling: a prefix
		{"-t 1:3", pxArgs{Targets: "1:3"}, ""},
		{"-t0,2", pxArgs{Targets: "0,2"}, ""},
		{"--targets=-1", pxArgs{Targets: "-1"}, ""},
		{"-t -1", pxArgs{Targets: "-1"}, ""},
		{`--targets "[0, 2]"`, pxArgs{Targets: "[0, 2]"}, ""},
		{"--targets all --noblock", pxArgs{Targets: "all", Block: no}, ""},
		{"-b", pxArgs{Block: yes}, ""},
		{"-a", pxArgs{Block: no}, ""},
		{"--block --noblock", pxArgs{Block: no}, ""}, // the last one wins, as in argparse
		{"--stream", pxArgs{Stream: yes}, ""},
		{"--no-stream", pxArgs{Stream: no}, ""},
		{"--no-s", pxArgs{Stream: no}, ""},
		{"--verbose", pxArgs{Verbose: yes}, ""},
		{"--no-verbose", pxArgs{Verbose: no}, ""},
		{"--local", pxArgs{Local: true}, ""},
		{"--group-outputs engine", pxArgs{GroupBy: groupEngine}, ""},
		{"--group-outputs=order", pxArgs{GroupBy: groupOrder}, ""},
		{"-e", pxArgs{GroupBy: groupEngine}, ""},
		{"-r", pxArgs{GroupBy: groupOrder}, ""},
		{"-be", pxArgs{Block: yes, GroupBy: groupEngine}, ""},
		{"-bt 1", pxArgs{Block: yes, Targets: "1"}, ""},
		{"--out r", pxArgs{Out: "r"}, ""},
		{"-o res", pxArgs{Out: "res"}, ""},
		{"--suffix _even", pxArgs{Suffix: "_even"}, ""},
		{"--group-outputs engines", pxArgs{}, "invalid choice"},
		{"--no", pxArgs{}, "ambiguous option --no could match --no-stream, --no-verbose, --noblock"},
		{"--bogus", pxArgs{}, "unrecognized argument --bogus"},
		{"-x", pxArgs{}, "unrecognized argument -x"},
		{"fmt.Println(1)", pxArgs{}, "unrecognized argument fmt.Println(1)"},
		{"--targets", pxArgs{}, "expected one argument"},
		{"--out 1x", pxArgs{}, "not a Go identifier"},
		{"--local=yes", pxArgs{}, "ignored explicit argument"},
		{"--suffix a-b", pxArgs{}, "not a valid magic suffix"},
		{"--targets '0", pxArgs{}, "unterminated quote"},
		{"--", pxArgs{}, "unrecognized argument --"},
	}
	for _, tc := range tests {
		got, rest, err := parseArgs(tc.args, pxFlags, false)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseArgs(%q) error = %v, want it to contain %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || rest != "" || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseArgs(%q) = %+v, %q, %v; want %+v", tc.args, got, rest, err, tc.want)
		}
	}
}

func TestParseArgsLine(t *testing.T) {
	tests := []struct {
		args, code string
		want       pxArgs
	}{
		{`fmt.Println("Hello world!")`, `fmt.Println("Hello world!")`, pxArgs{}},
		{`--targets 0 x := 1`, `x := 1`, pxArgs{Targets: "0"}},
		{`-t ::2 --noblock  y = sum(x)`, `y = sum(x)`, pxArgs{Targets: "::2", Block: boolp(false)}},
		{`-x + 1`, `-x + 1`, pxArgs{}}, // Go code, not a flag
		{`-1 * n`, `-1 * n`, pxArgs{}},
		{`-- -b + c`, `-b + c`, pxArgs{}}, // -- ends the flags
		{`--local z := "a  b"`, `z := "a  b"`, pxArgs{Local: true}},
		{`%env FOO=bar`, `%env FOO=bar`, pxArgs{}}, // engines run magics too
		{`--out r 7*6`, `7*6`, pxArgs{Out: "r"}},
	}
	for _, tc := range tests {
		got, code, err := parseArgs(tc.args, pxFlags, true)
		if err != nil || code != tc.code || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseArgs(%q, line) = %+v, %q, %v; want %+v, %q", tc.args, got, code, err, tc.want, tc.code)
		}
	}
	// A mistyped long flag is an error, not code that fails on the engines.
	if _, _, err := parseArgs("--tagrets 0 x", pxFlags, true); err == nil {
		t.Error("a mistyped long flag was taken for code")
	}
}

func TestFlagSetsPerMagic(t *testing.T) {
	if _, _, err := parseArgs("--targets 0", pxresultFlags, false); err == nil {
		t.Error("pxresult accepted --targets")
	}
	if _, _, err := parseArgs("-e --out r", pxresultFlags, false); err != nil {
		t.Errorf("%%pxresult -e --out r: %v", err)
	}
	if _, _, err := parseArgs("--group-outputs engine", pxconfigFlags, false); err == nil {
		t.Error("pxconfig accepted --group-outputs")
	}
	if _, _, err := parseArgs("--targets ::2 --block --no-stream --verbose", pxconfigFlags, false); err != nil {
		t.Errorf("%%pxconfig: %v", err)
	}
	if _, _, err := parseArgs("--block", autopxFlags, false); err == nil {
		t.Error("autopx accepted --block")
	}
}

// FuzzParseArgs checks that the %px argument parser never panics, that the code
// of the line form is the tail of the arguments byte for byte, and that the
// flags it read render to a form it reads back the same.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"", "--targets ::2 --noblock", "-t0,2 x := 1", "-be -o r 7", `--targets "[0, 2]" -- -x`,
		"--group-outputs=order --out r", "--no-s --suffix _a fmt.Println(1)", "-x", "--targets '", `"\`, "-- ", "-t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, line := range []bool{false, true} {
			a, code, err := parseArgs(s, pxFlags, line)
			if err != nil {
				continue
			}
			if !strings.HasSuffix(s, code) {
				t.Fatalf("parseArgs(%q) code %q is not the tail of the arguments", s, code)
			}
			if !line && code != "" {
				t.Fatalf("parseArgs(%q) returned code in the cell form", s)
			}
			back, rest, err := parseArgs(a.String(), pxFlags, false)
			if err != nil || rest != "" || !reflect.DeepEqual(back, a) {
				t.Fatalf("parseArgs(%q) = %+v; its rendering %q reads back as %+v, %q, %v", s, a, a.String(), back, rest, err)
			}
		}
	})
}
