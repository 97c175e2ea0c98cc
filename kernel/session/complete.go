package session

import (
	"go/ast"
	"go/token"
	"path"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var",
}

var predeclared = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex", "complex128",
	"complex64", "copy", "delete", "error", "false", "float32", "float64", "imag", "int", "int16",
	"int32", "int64", "int8", "iota", "len", "make", "max", "min", "new", "nil", "panic", "print",
	"println", "real", "recover", "rune", "string", "true", "uint", "uint16", "uint32", "uint64",
	"uint8", "uintptr",
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordAt finds the identifier around byte offset off: its byte range and,
// when it follows "X.", the qualifier X.
func wordAt(code string, off int) (start, end int, qual string) {
	start = off
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	end = off
	for end < len(code) {
		r, n := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += n
	}
	if start > 0 && code[start-1] == '.' {
		q := start - 1
		for q > 0 {
			r, n := utf8.DecodeLastRuneInString(code[:q])
			if !isIdentRune(r) {
				break
			}
			q -= n
		}
		qual = code[q : start-1]
	}
	return start, end, qual
}

// runeToByte converts a rune offset to a byte offset in s, clamped.
func runeToByte(s string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	i := 0
	for b := range s {
		if i == cursor {
			return b
		}
		i++
	}
	return len(s)
}

// Complete lists completions for the identifier at cursor (a rune offset in
// code) and the rune range [start, end) they replace. After "pkg." it lists
// the exported members of the package (imported by the session or the code,
// or a standard package named so); after "v." the fields and methods of the
// session variable v; otherwise keywords, predeclared names, the session's
// names and package names.
func (s *Session) Complete(code string, cursor int) (matches []string, start, end int) {
	off := runeToByte(code, cursor)
	bs, be, qual := wordAt(code, off)
	prefix := code[bs:off]
	start = utf8.RuneCountInString(code[:bs])
	end = utf8.RuneCountInString(code[:be])

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, start, end
	}
	seen := map[string]bool{}
	add := func(name string) {
		if strings.HasPrefix(name, prefix) && !seen[name] && !strings.HasPrefix(name, "__gp") {
			seen[name] = true
			matches = append(matches, name)
		}
	}
	imports := s.importsFor(code, true)
	if qual != "" {
		if p, ok := imports[qual]; ok {
			for name := range s.symbols[p] {
				if ast.IsExported(name) {
					add(name)
				}
			}
		} else if v, ok := s.globals()[qual]; ok && v.IsValid() {
			for _, n := range memberNames(v.Type()) {
				add(n)
			}
		}
		sort.Strings(matches)
		return matches, start, end
	}
	for _, k := range keywords {
		add(k)
	}
	for _, k := range predeclared {
		add(k)
	}
	for _, e := range s.log.entries {
		for _, n := range e.names {
			add(n)
		}
	}
	for n := range s.globals() {
		add(n)
	}
	for n := range s.importsFor(code, false) {
		add(n)
	}
	sort.Strings(matches)
	return matches, start, end
}

// memberNames lists the exported fields and methods of t (and of *t).
func memberNames(t reflect.Type) []string {
	var out []string
	pt := t
	if t.Kind() != reflect.Pointer {
		pt = reflect.PointerTo(t)
	}
	for i := 0; i < pt.NumMethod(); i++ {
		out = append(out, pt.Method(i).Name)
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			if f := st.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// importsFor maps package names visible to code to import paths: the
// session's imports, those written in code, and, with all, every known
// package by its default name (so "strings.Sp" completes before strings is
// imported).
func (s *Session) importsFor(code string, all bool) map[string]string {
	m := map[string]string{}
	for p := range s.symbols {
		if !all {
			break
		}
		name := pkgName(p)
		if old, ok := m[name]; !ok || len(p) < len(old) || (len(p) == len(old) && p < old) {
			m[name] = p
		}
	}
	for n, p := range s.log.imports() {
		m[n] = p
	}
	if chunks, err := splitCell(code); err == nil {
		for _, c := range chunks {
			if c.Kind != chunkImport {
				continue
			}
			f, err := parseFile(token.NewFileSet(), "package main\n"+code[c.Start:c.End])
			if err != nil {
				continue
			}
			for _, is := range f.Imports {
				p := strings.Trim(is.Path.Value, "\"`")
				m[importName(is)] = p
			}
		}
	}
	delete(m, path.Base(hiddenPath))
	return m
}
