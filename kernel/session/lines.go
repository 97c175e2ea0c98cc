package session

import (
	"fmt"
	"go/scanner"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
)

// srcFile is the file name every source handed to yaegi carries. yaegi scopes
// imports by file name, so all cells must share one name for an import in one
// cell to be visible in the next; cells are told apart by line numbers instead.
// It is yaegi's own default name, so that sources given to Eval (which always
// uses it) see the same imports.
const srcFile = interp.DefaultSourceName

// span is a range of virtual lines given to one source (a cell or a Compile
// call). Virtual lines are unique over the session's life, so a position
// printed by yaegi for code declared long ago still maps to its cell.
type span struct {
	base  int // virtual line = base + line in source
	lines int
	seq   int    // Execute ordinal; 0 for Compile sources
	kind  string // "cell" or "func"
}

// lineSpace allocates spans and maps virtual positions back. It has its own
// lock because goroutine panics are mapped while a cell holds the session's.
type lineSpace struct {
	mu    sync.Mutex
	next  int
	spans []span
}

func (ls *lineSpace) alloc(seq int, kind string, src string) span {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	n := strings.Count(src, "\n") + 1
	sp := span{base: ls.next, lines: n, seq: seq, kind: kind}
	ls.next += n + 1
	ls.spans = append(ls.spans, sp)
	return sp
}

func (ls *lineSpace) find(vline int) (span, bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	i := sort.Search(len(ls.spans), func(i int) bool { return ls.spans[i].base+ls.spans[i].lines >= vline })
	if i < len(ls.spans) && vline > ls.spans[i].base {
		return ls.spans[i], true
	}
	return span{}, false
}

// directive returns the //line comment that makes the next source line be line
// `line` of the span.
func (sp span) directive(line int) string {
	return "//line " + srcFile + ":" + strconv.Itoa(sp.base+line) + ":1\n"
}

var posRE = regexp.MustCompile(`^(?:` + regexp.QuoteMeta(srcFile) + `:)?(\d+):(\d+): ?(.*)$`)

// compileErrors turns a yaegi or go/parser error into cell-positioned errors.
// Errors located outside the current span are kept with their message and the
// location of their origin, since they come from earlier declarations.
func (ls *lineSpace) compileErrors(cur span, err error) error {
	var out ErrorList
	add := func(line, col int, msg string) {
		if line > cur.base && line <= cur.base+cur.lines {
			out = append(out, &CompileError{Line: line - cur.base, Column: col, Msg: msg})
			return
		}
		if sp, ok := ls.find(line); ok {
			msg = fmt.Sprintf("%s (in %s)", msg, sp.label(cur, line-sp.base, col))
		}
		out = append(out, &CompileError{Msg: msg})
	}
	var sl scanner.ErrorList
	if asErrorList(err, &sl) {
		for _, e := range sl {
			add(e.Pos.Line, e.Pos.Column, e.Msg)
		}
	} else {
		for _, ln := range strings.Split(err.Error(), "\n") {
			if m := posRE.FindStringSubmatch(ln); m != nil {
				l, _ := strconv.Atoi(m[1])
				c, _ := strconv.Atoi(m[2])
				add(l, c, rewriteMsg(m[3]))
			} else if strings.TrimSpace(ln) != "" {
				out = append(out, &CompileError{Msg: rewriteMsg(ln)})
			}
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	if len(out) == 0 {
		return &CompileError{Msg: err.Error()}
	}
	return out
}

// rewriteMsg hides the names the session's rewrites introduce.
func rewriteMsg(msg string) string {
	msg = localNameRE.ReplaceAllString(msg, "")
	return msgReplacer.Replace(msg)
}

var (
	msgReplacer = strings.NewReplacer("__gpMin", "min", "__gpMax", "max", "__gpClear", "clear", "main.", "")
	localNameRE = regexp.MustCompile(`__gpL\d+_`) // see renameTopLocals
)

// label renders a position of span sp as seen from the cell being run.
func (sp span) label(cur span, line, col int) string {
	switch {
	case sp.kind == "func":
		return fmt.Sprintf("func:%d:%d", line, col)
	case sp.base == cur.base:
		return fmt.Sprintf("cell:%d:%d", line, col)
	default:
		return fmt.Sprintf("cell[%d]:%d:%d", sp.seq, line, col)
	}
}

func asErrorList(err error, sl *scanner.ErrorList) bool {
	for err != nil {
		if l, ok := err.(scanner.ErrorList); ok {
			*sl = l
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
