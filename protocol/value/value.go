package value

import (
	"errors"
	"fmt"
	"reflect"
)

// Encoded is one or more values ready for the wire: Header goes into a message
// frame (it is a JSON object, so it can be embedded as a json.RawMessage) and
// each of Buffers travels as its own frame after the message, in order.
type Encoded struct {
	Header  []byte
	Buffers [][]byte
}

// Limits that protect a decoder from hostile input. They are constants rather than
// options so that an encoder can refuse, before sending, what no decoder would
// accept.
const (
	// MaxDepth bounds how deeply values and types may nest. A linked list longer
	// than this cannot be sent; a slice of a million elements can.
	MaxDepth = 1000

	// inlineLimit is the size in bytes from which a numeric slice or array travels
	// in its own frame rather than inline in the header: below it, a frame costs
	// more than the few JSON numbers it would save.
	inlineLimit = 1024

	// stringLimit is the length from which a string travels in its own frame, so
	// big texts are neither escaped into nor parsed out of JSON.
	stringLimit = 64 << 10

	// baseBudget plus budgetFactor times the size of a message bound the memory
	// a decoder may allocate for it (and the size of any type it builds): a tiny
	// header must not be able to request gigabytes.
	baseBudget   = 4 << 20
	budgetFactor = 32

	// maxTypes bounds the type table of one message.
	maxTypes = 10000

	// headerVersion is the "v" field of every header this package writes.
	headerVersion = 1
)

// ErrMalformed is wrapped by every error that reports a header or buffer list that
// this package did not (or could not have) produced.
var ErrMalformed = errors.New("value: malformed encoding")

// UnsupportedError reports a value that cannot be sent, found before anything was
// sent. Path locates it from the root of the value: "value.Data[3].C" for Encode,
// "value[1].Next" for the second value of EncodeMany; "[]" stands for any element
// when the problem is in a type rather than in one element's value.
type UnsupportedError struct {
	Path   string
	Type   reflect.Type
	Reason string // empty, or why a type that is usually fine is not here
}

// Error reads "path: cannot send type[: reason]".
func (e *UnsupportedError) Error() string {
	s := e.Path + ": cannot send "
	if e.Type != nil {
		s += e.Type.String()
	} else {
		s += "value"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// TextError is what an error value becomes after crossing the wire: errors cannot
// be rebuilt from their types on the other side, so only their text travels.
type TextError struct {
	Text string
}

// Error returns the text of the original error.
func (e *TextError) Error() string { return e.Text }

// Encode encodes a single value. Names of named types are their Go names
// (package path, dot, name); use [Registry.Encode] to give unnamed types (such as
// those of the yaegi interpreter) their registered names.
func Encode(v any) (*Encoded, error) {
	return (*Registry)(nil).Encode(v)
}

// EncodeMany encodes several values into one header and one buffer list, for the
// arguments of a call or the values of a push.
func EncodeMany(vs []any) (*Encoded, error) {
	return (*Registry)(nil).EncodeMany(vs)
}

// Encode encodes a single value like [Encode], naming types as registered in r.
func (r *Registry) Encode(v any) (*Encoded, error) {
	return r.encode([]any{v}, false)
}

// EncodeMany encodes several values like [EncodeMany], naming types as registered
// in r.
func (r *Registry) EncodeMany(vs []any) (*Encoded, error) {
	return r.encode(vs, true)
}

// Decode decodes an Encoded holding exactly one value. reg may be nil; named types
// found in it are decoded as the registered types, other named types as their
// structure (a main.Celsius arrives as a float64). Numeric slices may alias
// e.Buffers: see the package documentation.
func Decode(e *Encoded, reg *Registry) (any, error) {
	vs, err := DecodeMany(e, reg)
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("%w: header holds %d values, want 1", ErrMalformed, len(vs))
	}
	return vs[0], nil
}

// DecodeMany decodes every value of an Encoded, in order.
func DecodeMany(e *Encoded, reg *Registry) (vs []any, err error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil Encoded", ErrMalformed)
	}
	defer func() {
		// Validation should make this unreachable; it is here so that a bug in it
		// costs one message, not the process, since headers come from the network.
		if p := recover(); p != nil {
			vs, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrMalformed, p)
		}
	}()
	return decodeAll(e, reg)
}
