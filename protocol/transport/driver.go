package transport

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/go-zeromq/zmq4"
	zmqtransport "github.com/go-zeromq/zmq4/transport"
)

// zmq4 picks a socket's driver by the scheme of its endpoint. Listen and Dial
// rewrite "tcp://" and "ipc://" to these private schemes so that zmq4 hands our
// sockets connections wrapped in a [conn]; on the wire it is the same ZMTP over TCP
// or Unix sockets, so libzmq peers (pyzmq, Jupyter frontends) see no difference.
const (
	schemeTCP = "gptcp"
	schemeIPC = "gpipc"
)

// DriverEnv names the environment variable that, set to "stock", makes every
// socket use zmq4's own tcp and ipc drivers (as [Options.StockDriver] does), for
// comparison benchmarks and as an escape hatch.
const DriverEnv = "GOPARALLEL_ZMQ_DRIVER"

func init() {
	for scheme, network := range map[string]string{schemeTCP: "tcp", schemeIPC: "unix"} {
		if err := zmq4.RegisterTransport(scheme, driver{zmqtransport.New(network)}); err != nil {
			panic(fmt.Errorf("transport: register zmq4 driver %q: %w", scheme, err))
		}
	}
}

// driver is a zmq4 transport that dials and listens as zmq4's own net-based one
// and wraps every connection in a conn.
type driver struct {
	stock zmqtransport.Transport
}

// Dial implements zmq4's transport.Transport.
func (d driver) Dial(ctx context.Context, dialer zmqtransport.Dialer, addr string) (net.Conn, error) {
	nc, err := d.stock.Dial(ctx, dialer, addr)
	if err != nil {
		return nil, err
	}
	return newConn(nc, configFrom(ctx)), nil
}

// Listen implements zmq4's transport.Transport.
func (d driver) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := d.stock.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &listener{Listener: l, cfg: configFrom(ctx)}, nil
}

// Addr implements zmq4's transport.Transport.
func (d driver) Addr(ep string) (string, error) { return d.stock.Addr(ep) }

// configKey carries a socket's *connConfig in the context its zmq4 socket is
// created with: zmq4 passes that context (or one derived from it) to the driver's
// Dial and Listen, which is the only way to reach them per socket.
type configKey struct{}

func configFrom(ctx context.Context) *connConfig {
	if cfg, ok := ctx.Value(configKey{}).(*connConfig); ok {
		return cfg
	}
	return defaultConnConfig
}

// useStock reports whether a socket with opts uses zmq4's own drivers.
func useStock(opts Options) bool {
	return opts.StockDriver || os.Getenv(DriverEnv) == "stock"
}

// driverEndpoint maps an endpoint to the scheme of our driver for it; endpoints of
// other transports (inproc) are left to zmq4.
func driverEndpoint(ep string) string {
	if rest, ok := strings.CutPrefix(ep, "tcp://"); ok {
		return schemeTCP + "://" + rest
	}
	if rest, ok := strings.CutPrefix(ep, "ipc://"); ok {
		return schemeIPC + "://" + rest
	}
	return ep
}
