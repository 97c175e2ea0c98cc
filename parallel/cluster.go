package parallel

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/goparallel/goparallel/parallel/ipcluster"
)

// ClusterOptions configure [StartCluster]. The zero value starts one engine per CPU
// in the default profile.
type ClusterOptions struct {
	// N is how many engines to start (default: the number of CPUs).
	N int
	// Profile and ClusterID name the cluster, as `goparallel ipcluster start
	// --profile P --cluster-id ID` would.
	Profile, ClusterID string
	// Executable is the goparallel binary that runs the controller and engines
	// (default: the running executable, which in a notebook is the kernel's).
	Executable string
	// Daemonize leaves the cluster running after this process exits.
	Daemonize bool
	// Transport is "tcp" (loopback) or "ipc" (Unix sockets in a private temp
	// directory); empty means ipcluster.DefaultTransport. The engines run on this
	// host either way.
	Transport string
	// Timeout bounds the wait for every engine to register (default 60 s).
	Timeout time.Duration
	// Log receives progress lines ("Engines appear to have started successfully").
	Log io.Writer
}

// Cluster is a local cluster (a controller and its engines) started from Go:
// IPython Parallel's ipp.Cluster. Stop it with [Cluster.Stop], or through a client
// from [Cluster.Connect] with [Client.Shutdown].
type Cluster struct {
	c *ipcluster.Cluster
}

// StartCluster starts a controller and opts.N engines and returns once all have
// registered.
//
//	cl, err := parallel.StartCluster(parallel.ClusterOptions{N: 4})
//	c, err := cl.Connect()
//	defer c.Shutdown()
func StartCluster(opts ClusterOptions) (*Cluster, error) {
	return StartClusterContext(cellContext(), opts)
}

// StartClusterContext is StartCluster with a context bounding the start.
func StartClusterContext(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	c, err := ipcluster.Start(ctx, ipcluster.Options{
		N: opts.N, Profile: opts.Profile, ClusterID: opts.ClusterID, Executable: opts.Executable,
		Daemonize: opts.Daemonize, Transport: opts.Transport, StartTimeout: opts.Timeout, Log: opts.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("parallel: starting cluster: %w", err)
	}
	return &Cluster{c: c}, nil
}

// Connect returns a client of the cluster; its Shutdown also stops the cluster's
// processes.
func (cl *Cluster) Connect(opts ...Option) (*Client, error) {
	opts = append([]Option{WithProfile(cl.c.Profile()), WithClusterID(cl.c.ClusterID())}, opts...)
	c, err := Connect(opts...)
	if err != nil {
		return nil, err
	}
	c.cluster = cl
	return c, nil
}

// Profile returns the cluster's profile name.
func (cl *Cluster) Profile() string { return cl.c.Profile() }

// ClusterID returns the cluster's id ("" for the profile's default cluster).
func (cl *Cluster) ClusterID() string { return cl.c.ClusterID() }

// ClientFile returns the path of the cluster's client connection file.
func (cl *Cluster) ClientFile() string { return cl.c.ClientFile() }

// Stop shuts down the controller and the engines and removes the cluster's files.
// It is safe to call more than once.
func (cl *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cl.c.Stop(ctx)
}

// String reads like "<Cluster default>".
func (cl *Cluster) String() string {
	name := cl.c.Profile()
	if id := cl.c.ClusterID(); id != "" {
		name += "/" + id
	}
	return "<Cluster " + name + ">"
}
