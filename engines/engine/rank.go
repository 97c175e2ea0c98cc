package engine

import "strconv"

// rankVars are the environment variables through which MPI launchers tell each
// process its rank: Open MPI, MPICH/Hydra and Intel MPI, MVAPICH, Slurm's srun.
var rankVars = []string{"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK", "SLURM_PROCID"}

// requestedID returns the engine id to ask the controller for: the --id flag when
// set (>= 0), else an MPI rank from the environment, else -1 (any id).
func requestedID(flagID int, getenv func(string) string) int {
	if flagID >= 0 {
		return flagID
	}
	for _, v := range rankVars {
		if s := getenv(v); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				return n
			}
		}
	}
	return -1
}
