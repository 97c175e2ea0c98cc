// Package protocol owns the Jupyter messaging protocol (version 5.3) as goparallel
// speaks it: message headers and contents, the multipart wire format with its
// "<IDS|MSG>" delimiter, HMAC-SHA256 signing and verification with replay protection,
// and connection files.
//
// The kernel, the controller and the engines all use the same signed wire format, so
// everything that crosses a socket in goparallel is decoded here, in two stages:
// [Split] turns raw frames into a [Raw] message whose signature has been checked, and
// [Raw.Decode] turns that into a typed [Message]. Transport (ZeroMQ sockets) lives in
// the sub-package transport, so this package stays free of sockets and easy to fuzz.
package protocol
