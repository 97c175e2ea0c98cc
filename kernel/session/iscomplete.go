package session

import (
	"go/scanner"
	"go/token"
	"strings"
)

// IsComplete tells a console whether code is ready to run: "complete",
// "incomplete" (an open bracket, raw string or comment, or a statement
// continued on the next line; indent is the suggested indentation for the
// next line), or "invalid" (an unbalanced closing bracket, a broken literal,
// or a syntax error that more input cannot fix).
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	fset := token.NewFileSet()
	file := fset.AddFile(srcFile, -1, len(code))
	var errs []string
	var sc scanner.Scanner
	sc.Init(file, []byte(code), func(_ token.Position, msg string) { errs = append(errs, msg) }, scanner.ScanComments)
	var stack []token.Token
	last := token.ILLEGAL
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, tok)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			open := map[token.Token]token.Token{token.RPAREN: token.LPAREN, token.RBRACK: token.LBRACK, token.RBRACE: token.LBRACE}[tok]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return "invalid", ""
			}
			stack = stack[:len(stack)-1]
		}
		if tok != token.COMMENT && !(tok == token.SEMICOLON && lit == "\n") {
			last = tok
		}
	}
	for _, e := range errs {
		switch {
		case strings.Contains(e, "raw string literal not terminated"), strings.Contains(e, "comment not terminated"):
			return "incomplete", strings.Repeat("\t", len(stack))
		default:
			return "invalid", ""
		}
	}
	if len(stack) > 0 {
		return "incomplete", strings.Repeat("\t", len(stack))
	}
	// A line ending in a binary operator, comma or dot continues.
	switch last {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR,
		token.SHL, token.SHR, token.AND_NOT, token.LAND, token.LOR, token.EQL, token.NEQ, token.LSS,
		token.LEQ, token.GTR, token.GEQ, token.ASSIGN, token.DEFINE, token.COMMA, token.PERIOD,
		token.ARROW, token.COLON, token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN, token.QUO_ASSIGN:
		return "incomplete", ""
	}
	if err := parseCheck(code); err != nil {
		return "invalid", ""
	}
	return "complete", ""
}

// parseCheck parses code the way Execute does, without an interpreter.
func parseCheck(code string) error {
	chunks, err := splitCell(code)
	if err != nil {
		return err
	}
	var decls, stmts strings.Builder
	decls.WriteString("package main\n")
	stmts.WriteString("package main\nfunc main() {\n")
	for _, c := range chunks {
		b := &decls
		if c.Kind == chunkStmt || c.Kind == chunkVar {
			b = &stmts
		}
		b.WriteString(code[c.Start:c.End])
		b.WriteString(";\n")
	}
	stmts.WriteString("}\n")
	fset := token.NewFileSet()
	if _, err := parseFile(fset, decls.String()); err != nil {
		return err
	}
	_, err = parseFile(fset, stmts.String())
	return err
}
