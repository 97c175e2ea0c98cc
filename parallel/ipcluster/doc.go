// Package ipcluster starts, stops, lists and cleans clusters: a controller and N
// engines, as IPython Parallel's ipcluster does. It is both the
// "goparallel ipcluster start|stop|list|clean" command ([Main]) and a Go API
// ([Start], [Cluster], [StopCluster], [List], [Clean]) that the client package
// wraps for notebook cells.
//
// A cluster is recorded in its state file (profile.ClusterFile): the pids of its
// processes, when it started, how many engines, with which launcher. Every
// command finds clusters through these files; a cluster whose processes are gone
// is "stale" until clean (or the next start with the same id) removes its files.
//
// Processes: the controller runs as "goparallel controller" and the engines as
// "goparallel engine", children of the same executable. In the foreground they
// are in their own process groups and receive SIGTERM if the starting process
// dies (Linux); with Daemonize they are session leaders that outlive it, with
// their output in log files under the profile's log directory.
package ipcluster
