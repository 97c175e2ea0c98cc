package controller

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/goparallel/goparallel/parallel/profile"
)

// Defaults of [Options]; the flags of `goparallel controller` use the same values.
const (
	DefaultIP               = "127.0.0.1"
	DefaultTransport        = "tcp"
	DefaultHeartbeatTimeout = 3 * time.Second
	DefaultScheduler        = "leastload"
	// DefaultHWM keeps a few balanced tasks queued at each engine, so an engine that
	// finishes a task starts the next one without waiting a round trip through the
	// controller, while tasks still spread out over idle engines.
	DefaultHWM            = 4
	DefaultMaxResults     = 10000
	DefaultMaxResultBytes = 64 << 20
	// DefaultMaxReplyBytes is the largest reply content the results store keeps;
	// larger replies are recorded by status only.
	DefaultMaxReplyBytes = 64 << 10
	// DefaultShutdownGrace is how long a cluster shutdown waits for engines to
	// acknowledge their shutdown_request before the controller stops anyway.
	DefaultShutdownGrace = 2 * time.Second
)

// Options configure a [Controller]. The zero value is usable: it listens on
// 127.0.0.1 on random ports, writes the default profile's connection files and
// uses the defaults above.
type Options struct {
	// Transport is "tcp" (the default) or "ipc". Unix sockets (ipc) skip the TCP
	// stack, about halving the cost of large messages, but reach only this host.
	Transport string
	// IP is the interface the sockets listen on ("0.0.0.0" for all). With ipc it
	// is instead the path prefix of the socket files, as in jupyter (socket
	// IP-PORT); empty (or DefaultIP) means a fresh private directory under
	// os.TempDir(), removed on Close.
	IP string
	// Location is the address written into the connection files, for engines and
	// clients on other hosts. Empty means IP (or 127.0.0.1 when IP is unspecified).
	// It cannot be set with ipc.
	Location string
	// EnginePort, ClientPort and NotifyPort fix the ports; 0 picks a free port
	// (with ipc, 1, 2 and 3, which only name the socket files).
	EnginePort, ClientPort, NotifyPort int

	// Profile names the profile whose security directory receives the connection
	// files ("" means default); ClusterID distinguishes clusters of one profile.
	Profile   string
	ClusterID string
	// SecurityDir, when set, replaces the profile's security directory.
	SecurityDir string
	// NoFiles skips writing connection files (for embedders that pass the
	// connection info by other means; see Controller.ClientConnection).
	NoFiles bool
	// Key signs messages; empty means a fresh random key.
	Key string
	// ClusterSize is how many engines the cluster expects, told to engines.
	ClusterSize int

	// HeartbeatTimeout is how long an engine may stay silent before it is declared
	// dead. HeartbeatPeriod is how often engines are told to send heartbeats; zero
	// means a quarter of the timeout.
	HeartbeatTimeout time.Duration
	HeartbeatPeriod  time.Duration

	// Scheduler is the load-balancing policy: leastload, lru, plainrandom, twobin
	// or weighted.
	Scheduler string
	// HWM is the most balanced tasks one engine has in flight; more wait in the
	// controller's queue.
	HWM int

	// MaxResults and MaxResultBytes bound the results store; the oldest results
	// are evicted first. MaxReplyBytes is the largest reply content kept.
	MaxResults     int
	MaxResultBytes int64
	MaxReplyBytes  int

	// ShutdownGrace bounds the wait for engines' replies to a cluster shutdown.
	ShutdownGrace time.Duration

	// Logger receives the controller's log; nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults returns o with zero fields filled in and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Transport == "" {
		o.Transport = DefaultTransport
	}
	switch o.Transport {
	case "tcp":
		if o.IP == "" {
			o.IP = DefaultIP
		}
		if net.ParseIP(o.IP) == nil {
			return o, fmt.Errorf("controller: invalid ip %q", o.IP)
		}
		if o.Location == "" {
			o.Location = o.IP
			if net.ParseIP(o.IP).IsUnspecified() {
				o.Location = DefaultIP
			}
		}
	case "ipc":
		if o.Location != "" {
			return o, fmt.Errorf("controller: --location %q needs the tcp transport: ipc sockets are reachable only on this host", o.Location)
		}
		// The --ip flag defaults to DefaultIP, which as a path prefix would put
		// sockets in the working directory: treat it as "choose for me".
		if o.IP == DefaultIP {
			o.IP = ""
		}
		if o.IP != "" && net.ParseIP(o.IP) != nil {
			return o, fmt.Errorf("controller: with ipc, --ip is a socket path prefix, not an address (%q)", o.IP)
		}
		for _, p := range []int{o.EnginePort, o.ClientPort, o.NotifyPort} {
			if p < 0 {
				return o, fmt.Errorf("controller: negative port %d", p)
			}
		}
	default:
		return o, fmt.Errorf("controller: unsupported transport %q (want tcp or ipc)", o.Transport)
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if o.HeartbeatPeriod <= 0 {
		o.HeartbeatPeriod = o.HeartbeatTimeout / 4
	}
	if o.HeartbeatPeriod >= o.HeartbeatTimeout {
		return o, fmt.Errorf("controller: heartbeat period %s must be shorter than the timeout %s", o.HeartbeatPeriod, o.HeartbeatTimeout)
	}
	if o.Scheduler == "" {
		o.Scheduler = DefaultScheduler
	}
	if _, err := policyByName(o.Scheduler); err != nil {
		return o, err
	}
	if o.HWM == 0 {
		o.HWM = DefaultHWM
	}
	if o.HWM < 0 {
		return o, fmt.Errorf("controller: hwm %d must be positive", o.HWM)
	}
	if o.MaxResults <= 0 {
		o.MaxResults = DefaultMaxResults
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = DefaultMaxResultBytes
	}
	if o.MaxReplyBytes <= 0 {
		o.MaxReplyBytes = DefaultMaxReplyBytes
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.ClusterSize < 0 {
		return o, fmt.Errorf("controller: cluster size %d is negative", o.ClusterSize)
	}
	if err := profile.ValidClusterID(o.ClusterID); err != nil {
		return o, fmt.Errorf("controller: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
