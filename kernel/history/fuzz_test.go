package history

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// globRegexp translates a glob to an anchored regexp, the obvious and slow way, as
// a reference for Match.
func globRegexp(pattern string) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(pattern) && pattern[j] == '^' {
				j++
			}
			if j < len(pattern) && pattern[j] == ']' {
				j++
			}
			k := strings.IndexByte(pattern[j:], ']')
			if k < 0 {
				return nil, false // unclosed class: matches nothing
			}
			body := pattern[i+1 : j+k]
			neg := strings.HasPrefix(body, "^")
			body = strings.TrimPrefix(body, "^")
			b.WriteString("[")
			if neg {
				b.WriteString("^")
			}
			for _, c := range body {
				if c == '-' {
					b.WriteRune('-')
				} else {
					b.WriteString(regexp.QuoteMeta(string(c)))
					if c == ']' || c == '\\' || c == '[' || c == '^' {
						continue
					}
				}
			}
			b.WriteString("]")
			n = j + k + 1 - i
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += n
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	return re, err == nil
}

func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"a*b?c", "axxbyc"}, {"[a-c]x", "bx"}, {"[^]]*", "abc"}, {"*", ""}, {"6?7", "6*7"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		// Long inputs only slow the fuzzer down: both matchers are quadratic.
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 64 || len(s) > 256 {
			return
		}
		got := Match(pattern, s)
		re, ok := globRegexp(pattern)
		if !ok {
			return // a pattern the reference cannot express; Match must only not panic
		}
		// Ranges whose ends are reversed (z-a) are rejected by regexp but are
		// simply empty in a glob; skip those.
		if want := re.MatchString(s); got != want {
			t.Fatalf("Match(%q, %q) = %v, reference %v (%s)", pattern, s, got, want, re)
		}
	})
}
