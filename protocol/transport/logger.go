package transport

import (
	"io"
	"log"
)

// discardLogger silences zmq4's own logging, which reports every peer disconnect;
// dropped messages are reported by Socket through slog instead.
var discardLogger = log.New(io.Discard, "", 0)
