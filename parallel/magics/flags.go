package magics

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goparallel/goparallel/kernel/magic"
)

// Output grouping of --group-outputs, as in IPython Parallel.
const (
	groupType   = "type"   // all stdout, then all stderr, then displays, then results
	groupEngine = "engine" // everything of engine 0, then of engine 1, ...
	groupOrder  = "order"  // like type, but the i-th display of every engine together
)

// pxArgs are the parsed flags of %px, %%px, %pxresult, %pxconfig and %autopx.
// Pointer fields are nil when the flag was not given, so the view's defaults
// apply.
type pxArgs struct {
	Targets string // --targets/-t, as written; "" when not given
	Block   *bool  // --block/-b, --noblock/-a
	Stream  *bool  // --stream, --no-stream
	Verbose *bool  // --verbose, --no-verbose
	Local   bool   // --local
	GroupBy string // --group-outputs, -e, -r; "" when not given
	Out     string // --out/-o NAME
	Suffix  string // --suffix S: the magics activated with suffix S
}

// flagDef is one flag a magic accepts.
type flagDef struct {
	long  string // "--targets"
	short string // "-t", or ""
	value bool   // takes a value
	set   func(a *pxArgs, v string) error
}

func boolp(b bool) *bool { return &b }

var (
	flagBlock     = flagDef{long: "--block", short: "-b", set: func(a *pxArgs, _ string) error { a.Block = boolp(true); return nil }}
	flagNoBlock   = flagDef{long: "--noblock", short: "-a", set: func(a *pxArgs, _ string) error { a.Block = boolp(false); return nil }}
	flagStream    = flagDef{long: "--stream", set: func(a *pxArgs, _ string) error { a.Stream = boolp(true); return nil }}
	flagNoStream  = flagDef{long: "--no-stream", set: func(a *pxArgs, _ string) error { a.Stream = boolp(false); return nil }}
	flagVerbose   = flagDef{long: "--verbose", set: func(a *pxArgs, _ string) error { a.Verbose = boolp(true); return nil }}
	flagNoVerbose = flagDef{long: "--no-verbose", set: func(a *pxArgs, _ string) error { a.Verbose = boolp(false); return nil }}
	flagLocal     = flagDef{long: "--local", set: func(a *pxArgs, _ string) error { a.Local = true; return nil }}
	flagTargets   = flagDef{long: "--targets", short: "-t", value: true, set: func(a *pxArgs, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("--targets needs a value (all, 0, 0,2, ::2, 1:3, -1)")
		}
		a.Targets = v
		return nil
	}}
	flagGroup = flagDef{long: "--group-outputs", value: true, set: func(a *pxArgs, v string) error {
		switch v {
		case groupType, groupEngine, groupOrder:
			a.GroupBy = v
			return nil
		}
		return fmt.Errorf("--group-outputs: invalid choice %q (choose from engine, order, type)", v)
	}}
	flagByEngine = flagDef{short: "-e", set: func(a *pxArgs, _ string) error { a.GroupBy = groupEngine; return nil }}
	flagByOrder  = flagDef{short: "-r", set: func(a *pxArgs, _ string) error { a.GroupBy = groupOrder; return nil }}
	flagOut      = flagDef{long: "--out", short: "-o", value: true, set: func(a *pxArgs, v string) error {
		if !isIdent(v) {
			return fmt.Errorf("--out: %q is not a Go identifier", v)
		}
		a.Out = v
		return nil
	}}
	flagSuffix = flagDef{long: "--suffix", value: true, set: func(a *pxArgs, v string) error {
		if !validSuffix(v) {
			return fmt.Errorf("--suffix: %q is not a valid magic suffix (letters, digits, _)", v)
		}
		a.Suffix = v
		return nil
	}}
)

// The flags of each magic, as IPython Parallel's exec_args and output_args
// decorators give them, plus --suffix.
var (
	execFlags   = []flagDef{flagBlock, flagNoBlock, flagStream, flagNoStream, flagTargets, flagLocal, flagVerbose, flagNoVerbose}
	outputFlags = []flagDef{flagByOrder, flagByEngine, flagGroup, flagOut}

	pxFlags       = concat(execFlags, outputFlags, []flagDef{flagSuffix})
	pxresultFlags = concat(outputFlags, []flagDef{flagSuffix})
	pxconfigFlags = concat(execFlags, []flagDef{flagSuffix})
	autopxFlags   = []flagDef{flagSuffix}
)

func concat(lists ...[]flagDef) []flagDef {
	var out []flagDef
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// find returns the flag word names, allowing unique prefixes of long flags as
// argparse does (the lecture's `--target 0` means --targets).
func find(defs []flagDef, word string) (flagDef, error) {
	var prefixed []flagDef
	for _, d := range defs {
		if word == d.long || word == d.short {
			return d, nil
		}
		if strings.HasPrefix(word, "--") && d.long != "" && strings.HasPrefix(d.long, word) {
			prefixed = append(prefixed, d)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		return flagDef{}, fmt.Errorf("unrecognized argument %s", word)
	}
	names := make([]string, len(prefixed))
	for i, d := range prefixed {
		names[i] = d.long
	}
	sort.Strings(names)
	return flagDef{}, fmt.Errorf("ambiguous option %s could match %s", word, strings.Join(names, ", "))
}

// word is one blank-separated word of a magic's arguments, unquoted, with where
// it starts and ends in the arguments.
type word struct {
	text       string
	start, end int
}

// nextWord reads the word starting at or after i, or reports ok=false at the
// end. Quotes follow magic.SplitArgs.
func nextWord(s string, i int) (w word, ok bool, err error) {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	if i >= len(s) {
		return word{}, false, nil
	}
	j := i
	for j < len(s) && !isBlank(s[j]) {
		switch s[j] {
		case '\'':
			k := strings.IndexByte(s[j+1:], '\'')
			if k < 0 {
				return word{}, false, magic.ErrUnterminatedQuote
			}
			j += k + 2
		case '"':
			j++
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				j++
			}
			if j >= len(s) {
				return word{}, false, magic.ErrUnterminatedQuote
			}
			j++
		case '\\':
			j += 2
		default:
			j++
		}
	}
	j = min(j, len(s))
	parts, err := magic.SplitArgs(s[i:j])
	if err != nil {
		return word{}, false, err
	}
	return word{text: strings.Join(parts, ""), start: i, end: j}, true, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseArgs parses a magic's arguments against defs. With code set (the line
// form of %px), flags are read only up to the first word that is not one, or
// up to "--"; the rest of the line, byte for byte, is returned as the Go code.
// Otherwise every word must be a flag.
func parseArgs(s string, defs []flagDef, code bool) (a pxArgs, rest string, err error) {
	i := 0
	for {
		w, ok, err := nextWord(s, i)
		if err != nil {
			return pxArgs{}, "", err
		}
		if !ok {
			return a, "", nil
		}
		if w.text == "--" && s[w.start:w.end] == "--" {
			if code {
				return a, strings.TrimLeft(s[w.end:], " \t"), nil
			}
			return pxArgs{}, "", fmt.Errorf("unrecognized argument --")
		}
		if !strings.HasPrefix(w.text, "-") || len(w.text) < 2 {
			if code {
				return a, s[w.start:], nil
			}
			return pxArgs{}, "", fmt.Errorf("unrecognized argument %s", w.text)
		}
		sets, needValue, ferr := interpret(defs, w.text)
		if ferr != nil {
			if code && !strings.HasPrefix(w.text, "--") {
				// A word like -x is Go code (a negation), not a mistyped flag.
				return a, s[w.start:], nil
			}
			return pxArgs{}, "", ferr
		}
		i = w.end
		val := ""
		if needValue != nil {
			v, ok, err := nextWord(s, i)
			if err != nil {
				return pxArgs{}, "", err
			}
			if !ok {
				return pxArgs{}, "", fmt.Errorf("argument %s: expected one argument", needValue.name())
			}
			val, i = v.text, v.end
		}
		next := a
		for _, set := range sets {
			if err := set(&next, val); err != nil {
				return pxArgs{}, "", err
			}
		}
		a = next
	}
}

// interpret reads one flag word: --long, --long=value, -s, -svalue (argparse's
// attached value) or -abc (several flags without values). needValue is the flag
// whose value is the next word, if any; the setters of flags that already have
// their value ignore the argument they are given.
func interpret(defs []flagDef, w string) (sets []func(*pxArgs, string) error, needValue *flagDef, err error) {
	bind := func(d flagDef, v string) func(*pxArgs, string) error {
		return func(a *pxArgs, _ string) error { return d.set(a, v) }
	}
	if strings.HasPrefix(w, "--") {
		name, val, hasVal := strings.Cut(w, "=")
		d, err := find(defs, name)
		switch {
		case err != nil:
			return nil, nil, err
		case hasVal && !d.value:
			return nil, nil, fmt.Errorf("argument %s: ignored explicit argument %q", d.name(), val)
		case hasVal:
			return []func(*pxArgs, string) error{bind(d, val)}, nil, nil
		case d.value:
			return []func(*pxArgs, string) error{d.set}, &d, nil
		}
		return []func(*pxArgs, string) error{bind(d, "")}, nil, nil
	}
	for k := 1; k < len(w); k++ {
		d, err := find(defs, "-"+w[k:k+1])
		if err != nil {
			return nil, nil, fmt.Errorf("unrecognized argument %s", w)
		}
		if !d.value {
			sets = append(sets, bind(d, ""))
			continue
		}
		if rest := w[k+1:]; rest != "" {
			return append(sets, bind(d, rest)), nil, nil
		}
		return append(sets, d.set), &d, nil
	}
	return sets, nil, nil
}

func (d flagDef) name() string {
	if d.long != "" {
		return d.long
	}
	return d.short
}

// String renders the flags in a canonical form that parseArgs reads back.
func (a pxArgs) String() string {
	var w []string
	if a.Targets != "" {
		w = append(w, "--targets", magic.Quote(a.Targets))
	}
	if a.Block != nil {
		w = append(w, map[bool]string{true: "--block", false: "--noblock"}[*a.Block])
	}
	if a.Stream != nil {
		w = append(w, map[bool]string{true: "--stream", false: "--no-stream"}[*a.Stream])
	}
	if a.Verbose != nil {
		w = append(w, map[bool]string{true: "--verbose", false: "--no-verbose"}[*a.Verbose])
	}
	if a.Local {
		w = append(w, "--local")
	}
	if a.GroupBy != "" {
		w = append(w, "--group-outputs", a.GroupBy)
	}
	if a.Out != "" {
		w = append(w, "--out", a.Out)
	}
	if a.Suffix != "" {
		w = append(w, "--suffix", a.Suffix)
	}
	return strings.Join(w, " ")
}

func isIdent(s string) bool {
	if s == "" || s == "_" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// validSuffix reports whether s can end a magic's name, as kernel/magic parses
// names: letters, digits and underscores.
func validSuffix(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}
