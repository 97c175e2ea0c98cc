// Package engine is the engine process of a goparallel cluster ("goparallel
// engine"): one yaegi session (kernel/session) driven by the controller.
//
// An engine dials the controller's engine ROUTER with a DEALER whose identity is
// its UUID, registers (asking for the id given with --id, or an MPI rank from
// the environment), then sends heartbeats at the period the controller names. If
// the connection breaks it reconnects with backoff, asking for its old id, and
// gives up with ErrControllerGone after Options.ControllerTimeout.
//
// Two goroutines share the work: the receiver reads every message and answers
// interrupt_request, abort_request and shutdown_request at once, even while a
// task runs; the executor runs execute, apply, push, pull and clear requests
// one at a time, in arrival order. Output (stream, display_data,
// execute_result, error) goes out as it is produced, streams coalesced every
// few milliseconds, tagged {"engine": id} in its metadata, and always before
// the task's reply, which carries a protocol.EngineStamp.
//
// Engine code reads its identity from the package "goparallel/engine" (see
// IdentityPackage): engine.ID(), engine.Rank(), engine.Size(), engine.Hostname().
// It shows rich output with kernel/display, as notebook cells do
// (display.Display(img) sends display_data with image/png; see publisher), and
// execute_request code may use the magics %env, %time and %%time (magics.go).
//
// Shipped functions (apply_request) are compiled once per engine per source and
// helpers, then called through reflect; errors name the engine and, for an
// undefined identifier, say how to define it. Error names are the EName*
// constants.
package engine
