// Package value encodes Go values so that they cross the wire with their Go types
// intact: an int arrives as an int, an []int32 as an []int32, a struct as a struct
// with the same fields. Bulk numeric data travels as raw little-endian frames, not
// as JSON.
//
// [Encode] (or [EncodeMany], for the arguments of a call or the values of a push)
// turns values into an [Encoded]: a JSON header that goes into a message frame,
// and raw buffers that go, in order, into frames after the message. [Decode] and
// [DecodeMany] reverse it. Unsendable values (channels, funcs, unsafe.Pointer,
// structs with unexported fields, cycles) fail in Encode, before anything is
// sent, with an [*UnsupportedError] that names the path to them.
//
// # Header
//
// The header is one JSON object. EncodeMany of a main.Point whose Y holds 1000
// floats, and of nil, gives
//
//	{"v":1,"nbuf":1,
//	 "types":[{"name":"main.Point","type":"struct{X int; Y []float64}"}],
//	 "values":[{"t":"T0","v":[1,{"b":0}]},null]}
//
// with these fields:
//
//   - v is the format version (1); nbuf the number of buffers that must come with
//     the header.
//   - types is the type table: one entry per named type and per struct type,
//     with the name it travels under (none for unnamed types) and its structure
//     in Go type syntax. "embedded" lists the indices of embedded fields, which
//     the syntax names explicitly ("Inner T1").
//   - values holds one element per value: null for nil, else {"t":type,"v":value}.
//
// Types are Go type syntax as go/parser reads it: predeclared types, any, error,
// time.Time, time.Duration, time.Month and time.Weekday, T0, T1, ... for table
// entries, and []E, [N]E, *E, map[K]E and struct{F E "tag"; ...} built from those.
// Every interface type travels as any (reflect cannot build interface types); its
// dynamic value carries its own type.
//
// Values are JSON shaped by their type:
//
//	bool, integers        true, 42 (integers are exact over all 64 bits)
//	floats                shortest exact decimal; "NaN", "+Inf", "-Inf"
//	complex               [re, im]
//	string                "text"; {"b":i} when it is not UTF-8 or is 64 KiB or more
//	numeric slice, array  [1,2,3] (base64 "AQID" for bytes) under 1 KiB, else {"b":i}
//	other slice, array    [e0, e1, ...]; a nil slice is null
//	map                   [[k0,v0], [k1,v1], ...]; a nil map is null
//	pointer               null or [elem] (so a pointer to a nil pointer is [null])
//	struct                [f0, f1, ...] in field order
//	interface, any        null or {"t":type,"v":value}
//	error                 null or its text; in an interface {"t":"error","v":text}
//	time.Time             RFC 3339 text with nanoseconds and offset
//
// {"b":i} refers to Buffers[i]. Each buffer is referred to exactly once. Numeric
// buffers hold the elements little-endian, int, uint and uintptr as 64 bits,
// complex numbers as real then imaginary part.
//
// # Aliasing
//
// Encode does not copy numeric slices or big strings: the buffers alias the
// values' memory. Do not modify a value until its message has been sent, and
// never write to Encoded.Buffers.
//
// Decode does not copy a numeric slice whose buffer is suitably aligned on a
// little-endian 64-bit host (Go allocates frames aligned, so in practice it
// does not copy): the decoded slice aliases the buffer. The caller hands the
// buffers over to Decode and must not reuse them; everything else (strings,
// arrays, unaligned buffers) is copied once.
//
// # Named types and the registry
//
// A decoder builds types with reflect from their structure, which makes unnamed
// types: an unregistered main.Point arrives as struct{X int; Y []float64}, a
// main.Celsius as float64. Register the name in a [Registry] to receive the named
// type; the decoder checks that the registered type has the structure the sender
// described. Recursive types must be registered to be received, since reflect
// cannot build them.
//
// Compiled Go types travel under their Go name ([TypeName]: "pkg/path.Name").
// The yaegi interpreter builds its struct types with reflect.StructOf: they have
// no name, and a lowercase field x becomes an exported Xx. They travel as their
// structure, and since reflect.StructOf returns the identical type for identical
// fields, a non-recursive one decodes as exactly the interpreter's type without
// any registration. For the type's name to travel as well (and for recursive
// types), register each interpreted type on both sides, under the same name, and
// encode with [Registry.Encode]. A yaegi value with methods held in an interface
// is unwrapped to the value it holds; an interpreted struct with a field of an
// interface type that has methods travels with that field as any, so it does not
// decode into the registered interpreted type.
//
// # Limits
//
// Decoding untrusted input never panics: nesting beyond [MaxDepth], types or
// allocations far larger than the message, buffers that do not match the header
// and malformed type syntax are errors wrapping [ErrMalformed]. reflect keeps
// every type it builds for the life of the process, so a peer sending ever-new
// struct types grows memory; peers are authenticated by the message signature.
package value
