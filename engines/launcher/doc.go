// Package launcher starts engine processes for a cluster. A [Launcher] knows one way
// to start engines (on this machine, through mpiexec, over SSH, as a Slurm job);
// launchers register themselves by name in a registry so ipcluster's --engines flag
// can pick one without importing every backend. Only "local" exists today.
//
// Engines get their connection info through the environment variable
// profile.EnvEngineConnection rather than a file, so a launcher that starts them on
// another host has nothing to copy there.
package launcher
