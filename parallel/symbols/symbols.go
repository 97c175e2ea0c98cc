// Package symbols is the yaegi symbol table of package parallel, so notebook cells
// can import "github.com/goparallel/goparallel/parallel". The kernel passes Symbols
// to its interpreter with interp.Use.
package symbols

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract -name symbols github.com/goparallel/goparallel/parallel

// Symbols holds the exported names of package parallel, keyed as yaegi expects:
// "github.com/goparallel/goparallel/parallel/parallel" → name → value.
var Symbols = map[string]map[string]reflect.Value{}
