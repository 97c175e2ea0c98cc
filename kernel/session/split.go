package session

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
)

// chunkKind classifies a top-level piece of a cell.
type chunkKind int

const (
	chunkStmt chunkKind = iota
	chunkImport
	chunkType
	chunkConst
	chunkVar
	chunkFunc
)

func (k chunkKind) String() string {
	return [...]string{"stmt", "import", "type", "const", "var", "func"}[k]
}

// chunk is one top-level declaration or statement of a cell, as byte offsets
// into the cell. Doc is where its leading comment starts (== Start if none).
type chunk struct {
	Kind       chunkKind
	Doc        int
	Start, End int
	Line, Col  int // of Start, 1-based, in cell coordinates
}

// splitCell cuts a cell into top-level chunks with go/scanner, so that a cell can
// mix imports, declarations and statements in any order. yaegi cannot compile
// such a mix in one unit; the caller compiles each kind in its own unit. Only
// lexical structure is used here: syntax errors inside a chunk are left for the
// parser, which reports them with proper positions.
func splitCell(code string) ([]chunk, error) {
	fset := token.NewFileSet()
	file := fset.AddFile(srcFile, -1, len(code))
	var errs scanner.ErrorList
	var sc scanner.Scanner
	sc.Init(file, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, scanner.ScanComments)

	type tok struct {
		pos token.Pos
		tok token.Token
		lit string
	}
	// Collect tokens first: deciding between a func declaration and a func
	// literal needs look-ahead past the receiver's parentheses.
	var toks []tok
	for {
		pos, t, lit := sc.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{pos, t, lit})
	}
	if errs.Len() > 0 {
		errs.Sort()
		return nil, errs
	}

	var out []chunk
	depth := 0
	header := false     // inside the header of a for/if/switch at depth 0
	start := -1         // index in toks of the open chunk's first token
	docTok := -1        // index of the first comment in a run that precedes a chunk
	lastLine := 0       // line of the end of the previous comment, for doc runs
	var braces []bool   // open braces: whether each opens a struct or interface type
	closedType := false // the last '}' closed a struct or interface type
	offset := func(p token.Pos) int { return file.Offset(p) }
	endOf := func(t tok) int {
		if t.tok == token.SEMICOLON && t.lit == "\n" {
			return offset(t.pos)
		}
		s := t.lit
		if s == "" {
			s = t.tok.String()
		}
		return offset(t.pos) + len(s)
	}
	closeChunk := func(endIdx int) {
		if start < 0 {
			return
		}
		// The chunk ends at its last non-comment token before endIdx.
		last := endIdx - 1
		for last > start && (toks[last].tok == token.COMMENT || (toks[last].tok == token.SEMICOLON)) {
			last--
		}
		st := toks[start]
		p := file.Position(st.pos)
		c := chunk{Kind: classify(toks, start, func(i int) token.Token { return toks[i].tok }), Start: offset(st.pos), End: endOf(toks[last]), Line: p.Line, Col: p.Column}
		c.Doc = c.Start
		if docTok >= 0 {
			c.Doc = offset(toks[docTok].pos)
		}
		out = append(out, c)
		start, docTok = -1, -1
	}
	for i, t := range toks {
		switch t.tok {
		case token.COMMENT:
			if start < 0 && depth == 0 {
				line := file.Line(t.pos)
				if docTok < 0 || line > lastLine+1 {
					docTok = i
				}
				lastLine = file.Line(t.pos + token.Pos(len(t.lit)))
				if t.lit[1] == '/' { // a line comment ends on its own line
					lastLine = line
				}
			}
			continue
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			tokAt := func(i int) token.Token { return toks[i].tok }
			if depth == 0 && !(header && literalBrace(toks, i, tokAt, closedType)) {
				header = false
			}
			braces = append(braces, i > 0 && (tokAt(i-1) == token.STRUCT || tokAt(i-1) == token.INTERFACE))
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
			if t.tok == token.RBRACE && len(braces) > 0 {
				closedType = braces[len(braces)-1]
				braces = braces[:len(braces)-1]
			}
		case token.SEMICOLON:
			if depth == 0 && !header {
				closeChunk(i)
				continue
			}
		}
		if start < 0 {
			if docTok >= 0 && file.Line(t.pos) > lastLine+1 {
				docTok = -1 // a blank line separates the comment from the code
			}
			start = i
		}
	}
	closeChunk(len(toks))
	return out, nil
}

// literalBrace reports whether the '{' at toks[i], at depth 0 in the header
// of an if, for or switch, opens a type or a composite literal rather than
// the statement's block: `if m := []int{9}; len(m) > 0 {`. Go requires
// parentheses around a literal whose type is a plain name there, so the
// brace is a literal's when it follows a slice, array or map type (`]T`,
// `]*p.T`) or a struct or interface type (afterType: the '}' before it
// closed one), and a type's when it follows struct or interface.
func literalBrace[T any](toks []T, i int, tokAt func(int) token.Token, afterType bool) bool {
	j := i - 1
	if j < 0 {
		return false
	}
	switch tokAt(j) {
	case token.STRUCT, token.INTERFACE:
		return true
	case token.RBRACE:
		return afterType
	case token.IDENT:
		if j >= 2 && tokAt(j-1) == token.PERIOD && tokAt(j-2) == token.IDENT {
			j -= 2
		}
		j--
		for j >= 0 && tokAt(j) == token.MUL {
			j--
		}
		return j >= 0 && tokAt(j) == token.RBRACK
	}
	return false
}

// classify names the kind of the chunk that starts at toks[i].
func classify[T any](toks []T, i int, tokAt func(int) token.Token) chunkKind {
	switch tokAt(i) {
	case token.IMPORT:
		return chunkImport
	case token.TYPE:
		return chunkType
	case token.CONST:
		return chunkConst
	case token.VAR:
		return chunkVar
	case token.FUNC:
		// func name(...)  -> declaration
		// func (recv) name(...) -> method declaration
		// func(...) ...   -> function literal, i.e. a statement
		if i+1 >= len(toks) {
			return chunkStmt
		}
		switch tokAt(i + 1) {
		case token.IDENT:
			return chunkFunc
		case token.LPAREN:
			depth := 0
			for j := i + 1; j < len(toks); j++ {
				switch tokAt(j) {
				case token.LPAREN:
					depth++
				case token.RPAREN:
					depth--
					if depth == 0 {
						if j+2 < len(toks) && tokAt(j+1) == token.IDENT && (tokAt(j+2) == token.LPAREN || tokAt(j+2) == token.LBRACK) {
							return chunkFunc
						}
						return chunkStmt
					}
				}
			}
		}
	}
	return chunkStmt
}

func parseFile(fset *token.FileSet, src string) (*ast.File, error) {
	return parser.ParseFile(fset, srcFile, src, parser.SkipObjectResolution)
}
