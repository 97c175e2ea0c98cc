// Package history keeps the inputs (and text outputs) of executed cells across
// kernel restarts, and answers the three kinds of Jupyter history_request: tail,
// range and search.
//
// The store is a JSON-lines file, appended to without fsync: one line per cell,
// and one per kernel start that claims a new session number. Losing the last
// lines in a machine crash is acceptable for a history; slowing every cell down
// with fsync is not.
package history

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// MaxEntries bounds the entries kept in memory; older ones stay in the file but
// are not searched.
const MaxEntries = 50000

// Entry is one executed cell.
type Entry struct {
	Session int
	Line    int // the cell's execution count
	Input   string
	// Output is the text/plain form of the cell's result, "" if none.
	Output string
}

// record is a line of the history file: an entry, or a session start (Start set).
type record struct {
	Session int    `json:"s"`
	Line    int    `json:"n,omitempty"`
	Input   string `json:"in,omitempty"`
	Output  string `json:"out,omitempty"`
	Start   string `json:"start,omitempty"`
}

// Store is an open history file. Its methods are safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	f       *os.File // nil for an in-memory store
	session int
	entries []Entry
}

// Open reads the history file at path (creating it and its directory if needed)
// and starts a new session numbered one more than the last one in the file. An
// empty path gives an in-memory store.
func Open(path string) (*Store, error) {
	s := &Store{session: 1}
	if path == "" {
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// Two kernels starting at once must not claim the same session number, so
	// reading the last number and writing the next one happen under a lock.
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("history: locking %s: %w", path, err)
	}
	last, err := s.load(f)
	if err == nil {
		s.session = last + 1
		err = s.write(f, record{Session: s.session, Start: time.Now().UTC().Format(time.RFC3339)})
	}
	unlock()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("history: %s: %w", path, err)
	}
	s.f = f
	return s, nil
}

// load reads every record of f and returns the highest session number seen.
// Lines that do not parse (a torn final write) are skipped.
func (s *Store) load(f *os.File) (int, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	last := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var r record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		last = max(last, r.Session)
		if r.Start == "" {
			s.entries = append(s.entries, Entry{Session: r.Session, Line: r.Line, Input: r.Input, Output: r.Output})
		}
	}
	if len(s.entries) > MaxEntries {
		s.entries = append([]Entry(nil), s.entries[len(s.entries)-MaxEntries:]...)
	}
	return last, sc.Err()
}

func (s *Store) write(f *os.File, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// One write call per record: with O_APPEND, concurrent kernels' lines do not
	// interleave.
	_, err = f.Write(append(b, '\n'))
	return err
}

// Session returns this kernel's session number.
func (s *Store) Session() int { return s.session }

// Add records an executed cell of the current session.
func (s *Store) Add(line int, input, output string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, Entry{Session: s.session, Line: line, Input: input, Output: output})
	if len(s.entries) > 2*MaxEntries {
		s.entries = append([]Entry(nil), s.entries[len(s.entries)-MaxEntries:]...)
	}
	if s.f == nil {
		return nil
	}
	if err := s.write(s.f, record{Session: s.session, Line: line, Input: input, Output: output}); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// Tail returns the last n entries, oldest first.
func (s *Store) Tail(n int) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		return nil
	}
	return append([]Entry(nil), s.entries[max(0, len(s.entries)-n):]...)
}

// Range returns the entries of a session with start <= line < stop; stop <= 0
// means to the end. A session <= 0 counts back from the current one (0 is the
// current session, -1 the one before), as in IPython.
func (s *Store) Range(session, start, stop int) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if session <= 0 {
		session += s.session
	}
	var out []Entry
	for _, e := range s.entries {
		if e.Session == session && e.Line >= start && (stop <= 0 || e.Line < stop) {
			out = append(out, e)
		}
	}
	return out
}

// Search returns the entries whose input matches the glob pattern (see [Match]),
// oldest first; with n > 0 only the last n. With unique, an input is reported
// once, at its latest occurrence. An empty pattern matches everything.
func (s *Store) Search(pattern string, n int, unique bool) []Entry {
	if pattern == "" {
		pattern = "*"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Entry
	seen := map[string]bool{}
	// Walk backwards so that unique keeps the latest occurrence and n stops early.
	for i := len(s.entries) - 1; i >= 0 && (n <= 0 || len(out) < n); i-- {
		e := s.entries[i]
		if !Match(pattern, e.Input) {
			continue
		}
		if unique {
			if seen[e.Input] {
				continue
			}
			seen[e.Input] = true
		}
		out = append(out, e)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Close closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}
