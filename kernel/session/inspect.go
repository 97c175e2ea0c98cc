package session

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
)

// Doc describes the symbol under the cursor.
type Doc struct {
	Name      string // as written, qualified for package members ("strconv.Atoi")
	Signature string // e.g. "func Atoi(s string) (int, error)", or a var's type
	Text      string // the doc comment
}

// docCache holds parsed standard library documentation, by import path.
type docCache struct {
	mu   sync.Mutex
	pkgs map[string]*doc.Package // nil entry: no source found
	fset *token.FileSet
}

func goroot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	return runtime.GOROOT() //nolint:staticcheck // only a fallback for doc lookup
}

// pkg returns the documentation of the standard package p, parsing
// $GOROOT/src/p once.
func (c *docCache) pkg(p string) *doc.Package {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.pkgs[p]; ok {
		return d
	}
	if c.pkgs == nil {
		c.pkgs = map[string]*doc.Package{}
		c.fset = token.NewFileSet()
	}
	c.pkgs[p] = nil
	root := goroot()
	if root == "" {
		return nil
	}
	dir := filepath.Join(root, "src", filepath.FromSlash(p))
	pkgs, err := parser.ParseDir(c.fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return nil
	}
	name := pkgName(p)
	if ap, ok := pkgs[name]; ok {
		d := doc.New(ap, p, 0)
		c.pkgs[p] = d
		return d
	}
	return nil
}

// signature prints a declaration without its body.
func (c *docCache) signature(d ast.Decl) string {
	if fd, ok := d.(*ast.FuncDecl); ok {
		cp := *fd
		cp.Body, cp.Doc = nil, nil
		d = &cp
	}
	var b bytes.Buffer
	printer.Fprint(&b, c.fset, d)
	return b.String()
}

// Inspect documents the symbol at cursor (a rune offset in code): package
// members (signature from the standard library source when available, else
// from the symbol's reflect type, and its doc comment), packages, the
// session's declarations (their source up to the body and doc comment) and
// variables (their type).
func (s *Session) Inspect(code string, cursor int) (Doc, bool) {
	off := runeToByte(code, cursor)
	bs, be, qual := wordAt(code, off)
	if bs == be && off > 0 {
		// The cursor is just after "f(": inspect f.
		if i := strings.LastIndexAny(code[:off], "("); i > 0 {
			bs, be, qual = wordAt(code, i)
		}
	}
	name := code[bs:be]
	if name == "" {
		return Doc{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Doc{}, false
	}
	imports := s.importsFor(code, true)
	if qual != "" {
		p, ok := imports[qual]
		if !ok {
			if v, ok := s.globals()[qual]; ok && v.IsValid() {
				if m, ok := reflect.PointerTo(v.Type()).MethodByName(name); ok {
					return Doc{Name: qual + "." + name, Signature: m.Type.String()}, true
				}
			}
			return Doc{}, false
		}
		return s.inspectMember(qual, p, name)
	}
	if e, ok := s.log.lookup(name); ok && e.kind != chunkImport {
		sig, text := splitDoc(e.text)
		if e.kind == chunkVar {
			if v, ok := s.globals()[name]; ok && v.IsValid() {
				sig = "var " + name + " " + v.Type().String()
			}
		}
		return Doc{Name: name, Signature: sig, Text: text}, true
	}
	if v, ok := s.globals()[name]; ok && v.IsValid() && !strings.HasPrefix(name, "__gp") {
		return Doc{Name: name, Signature: "var " + name + " " + v.Type().String()}, true
	}
	if p, ok := imports[name]; ok {
		d := Doc{Name: name, Signature: "package " + pkgName(p) + ` // import "` + p + `"`}
		if pd := s.docs.pkg(p); pd != nil {
			d.Text = pd.Doc
		}
		return d, true
	}
	return Doc{}, false
}

func (s *Session) inspectMember(qual, p, name string) (Doc, bool) {
	v, ok := s.symbols[p][name]
	if !ok {
		return Doc{}, false
	}
	d := Doc{Name: qual + "." + name}
	switch {
	case v.Kind() == reflect.Func:
		d.Signature = "func " + name + strings.TrimPrefix(v.Type().String(), "func")
	case v.Kind() == reflect.Pointer && v.IsNil():
		d.Signature = "type " + name + " " + v.Type().Elem().Kind().String()
	default:
		d.Signature = name + " " + v.Type().String()
	}
	pd := s.docs.pkg(p)
	if pd == nil {
		return d, true
	}
	for _, f := range pd.Funcs {
		if f.Name == name {
			d.Signature, d.Text = s.docs.signature(f.Decl), f.Doc
			return d, true
		}
	}
	for _, t := range pd.Types {
		if t.Name == name {
			d.Text = t.Doc
			return d, true
		}
		for _, f := range t.Funcs {
			if f.Name == name {
				d.Signature, d.Text = s.docs.signature(f.Decl), f.Doc
				return d, true
			}
		}
	}
	for _, group := range [][]*doc.Value{pd.Vars, pd.Consts} {
		for _, vd := range group {
			for _, n := range vd.Names {
				if n == name {
					d.Text = vd.Doc
					return d, true
				}
			}
		}
	}
	return d, true
}

// splitDoc separates a declaration's leading comment from its code, and keeps
// the code up to its body.
func splitDoc(src string) (sig, text string) {
	lines := strings.Split(src, "\n")
	i := 0
	var docLines []string
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "//") {
			break
		}
		docLines = append(docLines, strings.TrimSpace(strings.TrimPrefix(l, "//")))
	}
	code := strings.Join(lines[i:], "\n")
	if strings.HasPrefix(code, "func") {
		if j := strings.Index(code, "{"); j > 0 {
			code = strings.TrimSpace(code[:j])
		}
	}
	return code, strings.Join(docLines, "\n")
}
