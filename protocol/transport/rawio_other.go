//go:build !unix

package transport

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// Elsewhere than Unix, sockets are read and written the ordinary way, and
// senders never write in place (peer.rc stays nil).

func readerOf(nc net.Conn) io.Reader { return nc }

func rawConnOf(net.Conn) syscall.RawConn { return nil }

func rawWrite(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
