// Package magic parses IPython-style magics out of Go cells: `%name args` lines,
// which may appear between Go statements, and `%%name args` on the first line,
// which makes the rest of the cell the magic's body. It only parses; the kernel
// package runs the magics.
package magic

import (
	"fmt"
	"strings"
)

// Kind says what a [Segment] is.
type Kind int

// Segment kinds.
const (
	// Code is Go source to run in the session.
	Code Kind = iota
	// Line is a line magic: `%name args`.
	Line
	// Cell is a cell magic: `%%name args` on the first line; Body is the rest.
	Cell
)

func (k Kind) String() string {
	switch k {
	case Code:
		return "code"
	case Line:
		return "line"
	case Cell:
		return "cell"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Segment is one piece of a cell, run in order.
type Segment struct {
	Kind Kind
	Name string // magic name, without % or %%
	Args string // the rest of the magic's line, trimmed
	// Body is the Go code of a Code segment, or the body of a Cell magic.
	Body string
	// Line is the 1-based line of the cell where the segment starts; Go code's
	// error positions are relative to it.
	Line int
}

// MisplacedError reports a cell magic after the first line of a cell.
type MisplacedError struct {
	Name string
	Line int
}

func (e *MisplacedError) Error() string {
	return fmt.Sprintf("line %d: cell magic %%%%%s must be on the first line of the cell", e.Line, e.Name)
}

// Parse splits a cell into segments. A cell whose first non-blank line starts with
// %% is a single Cell segment. Otherwise lines starting with %name (after
// indentation) are Line segments and the runs of lines between them are Code
// segments; lines inside a raw string literal or a block comment are never magics.
// Blank code runs are dropped, so a cell of only magics has no Code segment.
func Parse(src string) ([]Segment, error) {
	lines := strings.SplitAfter(src, "\n")
	first := 0
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first < len(lines) {
		if name, args, ok := magicLine(lines[first], "%%"); ok {
			body := strings.Join(lines[first+1:], "")
			return []Segment{{Kind: Cell, Name: name, Args: args, Body: body, Line: first + 1}}, nil
		}
	}

	var segs []Segment
	var code strings.Builder
	codeStart := 1
	flush := func(next int) {
		if strings.TrimSpace(code.String()) != "" {
			segs = append(segs, Segment{Kind: Code, Body: code.String(), Line: codeStart})
		}
		code.Reset()
		codeStart = next
	}
	var st lexState
	for i, ln := range lines {
		if st == normal {
			if name, _, ok := magicLine(ln, "%%"); ok {
				return nil, &MisplacedError{Name: name, Line: i + 1}
			}
			if name, args, ok := magicLine(ln, "%"); ok {
				flush(i + 2)
				segs = append(segs, Segment{Kind: Line, Name: name, Args: args, Line: i + 1})
				continue
			}
		}
		code.WriteString(ln)
		st = st.scan(ln)
	}
	flush(0)
	return segs, nil
}

// magicLine reports whether ln is prefix followed by a magic name, and splits it.
func magicLine(ln, prefix string) (name, args string, ok bool) {
	s := strings.TrimLeft(ln, " \t")
	if !strings.HasPrefix(s, prefix) {
		return "", "", false
	}
	s = s[len(prefix):]
	n := 0
	for n < len(s) && isNameByte(s[n], n == 0) {
		n++
	}
	if n == 0 {
		return "", "", false
	}
	rest := s[n:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != '\r' {
		return "", "", false
	}
	return s[:n], strings.TrimSpace(rest), true
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	case '0' <= c && c <= '9':
		return !first
	}
	return false
}

// lexState is the Go lexical context at the start of a line. Only raw strings and
// block comments span lines.
type lexState int

const (
	normal lexState = iota
	inRaw
	inComment
)

// scan returns the state after the line.
func (st lexState) scan(ln string) lexState {
	for i := 0; i < len(ln); i++ {
		c := ln[i]
		switch st {
		case inRaw:
			if c == '`' {
				st = normal
			}
		case inComment:
			if c == '*' && i+1 < len(ln) && ln[i+1] == '/' {
				st = normal
				i++
			}
		default:
			switch c {
			case '`':
				st = inRaw
			case '/':
				if i+1 < len(ln) && ln[i+1] == '/' {
					return normal
				}
				if i+1 < len(ln) && ln[i+1] == '*' {
					st = inComment
					i++
				}
			case '"', '\'':
				// Interpreted strings and runes end on their line.
				for i++; i < len(ln) && ln[i] != c && ln[i] != '\n'; i++ {
					if ln[i] == '\\' {
						i++
					}
				}
			}
		}
	}
	return st
}
