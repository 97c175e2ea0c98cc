package controller

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// candidate is what a load-balancing policy knows of an engine that could take a
// task: how busy it is and when it last got one.
type candidate struct {
	// load is the number of tasks in flight at the engine, of any scheduler.
	load int
	// lastUsed is the controller's assignment sequence number when the engine last
	// got a balanced task (0 if never); smaller is less recently used.
	lastUsed uint64
}

// policy picks one of cands (never empty) and returns its index. Candidates come in
// engine registration order, so deterministic policies break ties the same way
// every time.
type policy func(cands []candidate, rnd *rand.Rand) int

// policyNames lists the accepted policy names, for flags and errors.
var policyNames = []string{"leastload", "lru", "plainrandom", "twobin", "weighted"}

func policyByName(name string) (policy, error) {
	switch name {
	case "leastload":
		return leastLoad, nil
	case "lru":
		return leastRecentlyUsed, nil
	case "plainrandom":
		return plainRandom, nil
	case "twobin":
		return twoBin, nil
	case "weighted":
		return weighted, nil
	}
	return nil, fmt.Errorf("controller: unknown scheduler policy %q (want one of %s)", name, strings.Join(policyNames, ", "))
}

// leastLoad picks the engine with the fewest tasks in flight. Ties go to the least
// recently used, which spreads a burst of tasks over idle engines instead of
// stacking them on the first one.
func leastLoad(cands []candidate, _ *rand.Rand) int {
	best := 0
	for i := 1; i < len(cands); i++ {
		c, b := cands[i], cands[best]
		if c.load < b.load || (c.load == b.load && c.lastUsed < b.lastUsed) {
			best = i
		}
	}
	return best
}

// leastRecentlyUsed cycles through the engines regardless of load.
func leastRecentlyUsed(cands []candidate, _ *rand.Rand) int {
	best := 0
	for i := 1; i < len(cands); i++ {
		if cands[i].lastUsed < cands[best].lastUsed {
			best = i
		}
	}
	return best
}

func plainRandom(cands []candidate, rnd *rand.Rand) int {
	return rnd.IntN(len(cands))
}

// twoBin picks two engines at random and keeps the less recently used, as IPython
// Parallel's twobin does: nearly as even as LRU without its lockstep.
func twoBin(cands []candidate, rnd *rand.Rand) int {
	a, b := rnd.IntN(len(cands)), rnd.IntN(len(cands))
	if cands[b].lastUsed < cands[a].lastUsed {
		return b
	}
	return a
}

// weighted picks two engines at random with probability inversely proportional to
// their load, and keeps the less loaded, as IPython Parallel's weighted does.
func weighted(cands []candidate, rnd *rand.Rand) int {
	if len(cands) == 1 {
		return 0
	}
	total := 0.0
	for _, c := range cands {
		total += 1 / (float64(c.load) + 1e-6)
	}
	pick := func() int {
		x := rnd.Float64() * total
		for i, c := range cands {
			x -= 1 / (float64(c.load) + 1e-6)
			if x < 0 {
				return i
			}
		}
		return len(cands) - 1
	}
	a, b := pick(), pick()
	if cands[b].load < cands[a].load {
		return b
	}
	return a
}
