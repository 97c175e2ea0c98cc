package session

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sync"
)

// panicLineRE matches the line yaegi prints to its stderr for every
// interpreted frame a panic unwinds through ("cell:12:3: panic: main.f(...)").
// Those lines are the only source of interpreted tracebacks, so they are
// diverted from the user's stderr into a traceCollector.
var panicLineRE = regexp.MustCompile(`^(?:` + regexp.QuoteMeta(srcFile) + `:)?(\d+):(\d+): panic: (.*)\(\.\.\.\)\n?$`)

// maxTraceLines bounds what a traceCollector keeps: lines of panics that user
// code recovered by itself are never claimed and must not pile up.
const maxTraceLines = 256

// traceCollector receives panic frame lines from yaegi.
type traceCollector struct {
	mu    sync.Mutex
	lines []string
}

func (c *traceCollector) add(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.lines) >= maxTraceLines {
		c.lines = c.lines[1:]
	}
	c.lines = append(c.lines, line)
}

// drain returns and forgets the collected lines.
func (c *traceCollector) drain() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	c.lines = nil
	return l
}

// stderrFilter is the stderr given to yaegi: user writes pass through,
// yaegi's panic frame lines go to the collector.
type stderrFilter struct {
	dst io.Writer
	tc  *traceCollector
}

func (f *stderrFilter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(": panic: ")) && panicLineRE.Match(p) {
		f.tc.add(string(bytes.TrimSuffix(p, []byte("\n"))))
		return len(p), nil
	}
	return f.dst.Write(p)
}

// lockedWriter serialises writes, since cell goroutines may print concurrently
// and the caller's writer need not be safe for that.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// StdFile is what os.Stdin, os.Stdout and os.Stderr are inside cells: yaegi
// only redirects them when the session's streams are *os.File, which they
// are not in a kernel. It has the *os.File methods cells use on the standard
// streams; code that needs an actual *os.File will not compile.
type StdFile struct {
	name string
	w    io.Writer
	r    io.Reader
}

// Write writes to the session's stream.
func (f *StdFile) Write(p []byte) (int, error) {
	if f.w == nil {
		return 0, errors.New("write " + f.name + ": bad file descriptor")
	}
	return f.w.Write(p)
}

// WriteString writes s to the session's stream.
func (f *StdFile) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// Read reads from the session's stdin.
func (f *StdFile) Read(p []byte) (int, error) {
	if f.r == nil {
		return 0, io.EOF
	}
	return f.r.Read(p)
}

// Name returns the stream's conventional file name.
func (f *StdFile) Name() string { return f.name }

// Sync does nothing: writes are not buffered by the session.
func (f *StdFile) Sync() error { return nil }

// Close does nothing: the session's streams outlive cells.
func (f *StdFile) Close() error { return nil }
