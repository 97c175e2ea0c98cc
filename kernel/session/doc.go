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
// See rewrite.go: range over integers, min, max, clear, and guarded `go`
// statements. Type argument inference that yaegi gets wrong for functions
// declared in cells is reported as *UnsupportedError, naming the function.
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
// Options.GoroutinePanic and the process lives on; goroutines started by
// native code (time.AfterFunc, net/http handlers) calling interpreted
// functions are not guarded and a panic there still ends the process.
package session
