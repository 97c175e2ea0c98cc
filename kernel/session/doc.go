// Package session runs Go notebook cells in a yaegi interpreter. It knows
// nothing of Jupyter: the kernel and the engines drive it through Execute,
// Complete, Inspect, IsComplete, Names, Decl, Get, Set, Compile, Call,
// Setenv/LookupEnv/Environ and Reset.
//
// # Cells
//
// A cell may mix imports, declarations and statements in any order. yaegi
// compiles a unit of either declarations or statements, so the cell is cut
// into top-level chunks with go/scanner (split.go) and compiled as:
//
//  1. its new imports;
//  2. its types, consts and funcs, as one file (they may refer to each other);
//  3. its statements and var declarations, in order, as top-level blocks, so
//     that `x := 5` and `var y = x` define globals; a func using a global
//     that a statement of the same cell defines is compiled right after that
//     statement;
//  4. a trailing expression statement, whose value is the cell's Result.
//
// Every source is given to yaegi with //line directives, so positions (in
// errors and in panic tracebacks) are the cell's own. Each cell gets its own
// range of virtual line numbers, so code declared by an earlier cell still
// maps back to it (lines.go).
//
// All units of a cell are compiled before any of them runs (yaegi declares
// a unit's globals when it compiles it): a cell that does not compile runs
// nothing, and the interpreter's global frame grows before the cell starts
// any goroutine (see runUnits).
//
// # Undefined names and automatic imports
//
// Before yaegi sees a cell, a scope-aware pass over its syntax reports the
// names that are defined nowhere, as the Go compiler would ("cell:1:6:
// undefined: x"); yaegi reports them badly ("constant definition loop") and
// its failed compilation used to poison the session. An undefined x used as
// x.Sel is taken for a package: when exactly one known package (yaegi's
// standard library and Options.Symbols) is named x and has every name the
// cell selects from it, it is imported silently, as goimports and GoNB do,
// and logged like an import the cell wrote. Otherwise the error names the
// candidates (rand.Float64: "math/rand" or "math/rand/v2"). Selectors an
// imported package lacks are reported too; a generic function of the
// standard library yaegi does not have (slices.Sort) is an
// *UnsupportedError. See undefined.go.
//
// # Failed cells
//
// A cell that fails to compile leaves no trace. yaegi changes its package
// scope while it compiles and never undoes that on failure: it declares the
// unit's globals (replacing existing ones, whose values are then lost),
// adds incomplete type symbols for undefined names, and appends methods to
// their receiver types. The session records the symbols a unit may change
// and the method lists of its receivers before compiling, and puts them
// back on failure (yscope.go, which reaches yaegi's unexported scope
// through reflect). What the failed cell's earlier units compiled, logged
// declarations and automatic imports included, is taken out too. A cell
// that panics keeps the effects of what ran before the panic.
//
// # Redefinition
//
// yaegi binds a call to the function declared when the caller was compiled,
// and cannot redeclare a type. The session therefore keeps a log of the
// latest source of every top-level import, type, const, func and method
// (redefine.go). A cell that changes one of them (same name, different text)
// is not compiled into the current interpreter: a fresh interpreter is built
// and the log, with the cell's declarations in place of the old ones, is
// compiled into it as imports, then types and consts, then funcs and methods.
// Everything is compiled fresh, so every caller sees the new definitions.
// Statements are never replayed (no side effects run twice); global
// variables are carried over by value instead:
//
//   - a variable whose type contains no struct declared in a cell keeps its
//     exact type and value (it is re-declared from a value handed in through
//     a hidden package);
//   - other variables are re-declared with their declared type, or a type
//     written from their reflect type with struct types named after the
//     session's types, and assigned their old value when its type is still
//     assignable. A variable whose struct type was redefined incompatibly is
//     reset to its zero value with a warning on Stderr.
//
// An earlier func that no longer compiles against the new declarations is
// dropped with a warning on Stderr. A cell whose own declarations fail to
// compile leaves the session untouched. Re-running an unchanged declaration
// compiles nothing, so re-running a cell is cheap and never rebuilds.
//
// A rebuild is needed only when a func, method, type or const changes; a
// var is never a reason. `x := v` or `var x = v` for an existing global x
// becomes the assignment `x = v`, so functions compiled earlier see the new
// value; if the type changed, the redeclaration is compiled as written and
// functions compiled earlier keep seeing the old variable.
//
// Generation counts rebuilds; values obtained from Compile belong to the
// generation they were compiled in.
//
// # Covered yaegi gaps
//
// See rewrite.go: range over integers (with Go's scopes: a parameter or
// local shadows a global), min, max, clear, guarded `go` statements, tuple
// assignments, per-iteration loop variables for closures (Go 1.22), and in
// a cell's top-level code: defer (run when the cell ends), type switches
// and selects that bind names, `v, ok := m[k]` and `v, ok := x.(T)`, and
// the scoping of locals in blocks and in if/for/switch init statements
// (renameTopLocals: yaegi let them take over globals of the same name).
// Type argument inference that yaegi gets wrong for functions declared in
// cells is reported as *UnsupportedError, naming the function, and so is
// `v, ok := <-ch` at top level.
//
// # Interrupts and goroutines
//
// Cancelling the context of Execute or Call makes yaegi stop all interpreted
// code of the session at its next step, including goroutines started by
// earlier cells. After a stop the session renews yaegi's run id and
// cancellation channel (see renew), so that functions compiled earlier and
// channel operations keep working; closures made by cells and called from
// native code after a stop are the exception (yaegi fixes their run id when
// they are made) and return zero values.
// Execute and Call return ErrInterrupted within interruptGrace even when the cell is
// blocked in a native call; that call keeps its goroutine until it returns
// (yaegi cannot stop it), and the session remains usable meanwhile. A
// goroutine started by a `go` statement in a cell that panics is reported to
// Options.GoroutinePanic at once, without waiting for the running cell
// (the callback must be safe for concurrent use), and the process lives
// on; goroutines started by native code (time.AfterFunc, net/http handlers)
// calling interpreted functions are not guarded and a panic there still
// ends the process.
//
// # Data races inside yaegi
//
// yaegi does not synchronise compilation with interpreted code that runs
// meanwhile. The session avoids the races it can: a cell's units grow the
// global frame before its goroutines start (runUnits); goroutines are
// started from a function of their own, so that closures made in a loop do
// not race on their frame slot (guardGo); and a goroutine's panic is
// recovered in the goroutine's function itself, so that yaegi does not read
// the package scope a compilation writes (guardGo). What remains: a
// goroutine of an earlier cell that still runs when a later cell compiles
// and runs can race with the frame reallocation of that run (resizeFrame)
// and, if it panics through a function literal written in a cell's
// top-level code, with the compilation (panicFunc, initScopePkg). Both are
// reads of a slice or string header that the writer replaces with an equal
// or longer one; the race detector reports them.
package session
