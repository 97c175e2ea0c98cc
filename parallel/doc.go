// Package parallel is the client of a goparallel cluster: IPython Parallel's
// Client, views and AsyncResult in Go form, usable from notebook cells (through the
// goparallel kernel's yaegi interpreter) and from compiled programs.
//
//	c, err := parallel.Connect()            // ipp.Client(): the default profile's cluster
//	dview := c.Slice(":")                   // c[:]
//	r, err := dview.MapSync(square, parallel.Range(7))
//	lview := c.LoadBalancedView()
//
// # Functions travel as source
//
// Go closures cannot be serialised, so a function given to a view reaches the
// engines as Go source and is compiled there once. In a notebook this is automatic:
// the kernel passes every cell through [RewriteCell], which attaches the source of
// func literals and of funcs declared in cells (with the funcs, types and consts
// they use) to the view call. In a compiled program, wrap the source with [Func]:
//
//	sq := parallel.Func("func(x int) int { return x * x }")
//
// Free names of the function that the notebook does not declare as funcs, types or
// consts resolve in each engine's namespace, like IPython's globals: push them.
//
// # Blocking
//
// Views start non-blocking, as in IPython Parallel. Methods that compute come as
// X (following the view's Block: a value, or an *AsyncResult), XSync (the value)
// and XAsync (the *AsyncResult). Results keep their Go types: a map of a
// func(int) int gives an []int; see also [Ints], [Floats] and [AsyncResult.Into].
package parallel
