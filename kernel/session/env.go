package session

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Cells run in yaegi's restricted mode: package os in a cell reads and
// writes an environment of the interpreter's own (Options.Env), not the
// process's. These methods reach that environment through the interpreter's
// own os functions, so they see what cells set with os.Setenv too.

// Setenv sets an environment variable as cells see it (os.Getenv).
func (s *Session) Setenv(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if key == "" || strings.ContainsAny(key, "=\x00") || strings.ContainsRune(value, 0) {
		return fmt.Errorf("session: Setenv: invalid name or value %q", key)
	}
	f, ok := s.osFunc("Setenv")
	if !ok {
		return fmt.Errorf("session: Setenv: the interpreter has no os.Setenv")
	}
	if out := f.Call([]reflect.Value{reflect.ValueOf(key), reflect.ValueOf(value)}); !out[0].IsNil() {
		return fmt.Errorf("session: Setenv %s: %w", key, out[0].Interface().(error))
	}
	return nil
}

// LookupEnv returns an environment variable as cells see it.
func (s *Session) LookupEnv(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", false
	}
	f, ok := s.osFunc("LookupEnv")
	if !ok {
		return "", false
	}
	out := f.Call([]reflect.Value{reflect.ValueOf(key)})
	return out[0].String(), out[1].Bool()
}

// Environ returns the environment cells see, as sorted "key=value" strings.
func (s *Session) Environ() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	return s.environ()
}

// environ is the environment of the current interpreter, or Options.Env
// before there is one: a new interpreter starts from it, so that a rebuild or
// Reset keeps what cells and Setenv set.
func (s *Session) environ() []string {
	if s.in == nil {
		return s.opts.Env
	}
	f, ok := s.osFunc("Environ")
	if !ok {
		return s.opts.Env
	}
	env, _ := f.Call(nil)[0].Interface().([]string)
	env = append([]string{}, env...) // never nil: nil would mean an empty environment anyway
	sort.Strings(env)
	return env
}

// osFunc returns the current interpreter's function os.name.
func (s *Session) osFunc(name string) (reflect.Value, bool) {
	f, ok := s.in.Symbols("os")["os"][name]
	return f, ok && f.Kind() == reflect.Func
}
