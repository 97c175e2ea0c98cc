package controller

import (
	"math/rand/v2"
	"testing"
)

func TestPolicies(t *testing.T) {
	tests := []struct {
		policy string
		cands  []candidate
		want   int
	}{
		{"leastload", []candidate{{load: 3}, {load: 1}, {load: 2}}, 1},
		{"leastload", []candidate{{load: 1, lastUsed: 9}, {load: 1, lastUsed: 4}, {load: 2}}, 1}, // tie: LRU
		{"leastload", []candidate{{load: 0, lastUsed: 5}, {load: 0, lastUsed: 5}}, 0},            // full tie: first
		{"leastload", []candidate{{load: 7}}, 0},
		{"lru", []candidate{{load: 0, lastUsed: 8}, {load: 5, lastUsed: 2}, {load: 1, lastUsed: 3}}, 1},
		{"lru", []candidate{{lastUsed: 0}, {lastUsed: 0}}, 0},
		{"weighted", []candidate{{load: 1}}, 0},
	}
	for _, tt := range tests {
		p, err := policyByName(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if got := p(tt.cands, rand.New(rand.NewPCG(1, 2))); got != tt.want {
			t.Errorf("%s(%+v) = %d, want %d", tt.policy, tt.cands, got, tt.want)
		}
	}
	if _, err := policyByName("fastest"); err == nil {
		t.Error("unknown policy accepted")
	}
}

// TestRandomPolicies checks the statistical shape of the random policies: twobin
// favours the less recently used, weighted the less loaded, plainrandom neither.
func TestRandomPolicies(t *testing.T) {
	const n = 20000
	count := func(p policy, cands []candidate) []int {
		rnd := rand.New(rand.NewPCG(7, 11))
		hits := make([]int, len(cands))
		for range n {
			hits[p(cands, rnd)]++
		}
		return hits
	}
	// twobin: of two random picks, the LRU one. With 2 candidates, the older is
	// chosen unless both picks hit the newer: 3/4 of the time.
	hits := count(twoBin, []candidate{{lastUsed: 10}, {lastUsed: 1}})
	if f := float64(hits[1]) / n; f < 0.7 || f > 0.8 {
		t.Errorf("twobin picked the LRU engine %.2f of the time, want ~0.75", f)
	}
	// weighted: an idle engine (load 0) has weight 1e6, a busy one 1/4: the idle
	// one nearly always wins.
	hits = count(weighted, []candidate{{load: 4}, {load: 0}, {load: 4}})
	if f := float64(hits[1]) / n; f < 0.99 {
		t.Errorf("weighted picked the idle engine %.3f of the time", f)
	}
	// weighted among loads 1 and 3: the lighter wins when either pick hits it.
	hits = count(weighted, []candidate{{load: 1}, {load: 3}})
	if f := float64(hits[0]) / n; f < 0.9 || f > 0.97 { // 1 - (1/4)^2 = 0.9375
		t.Errorf("weighted picked the lighter engine %.3f of the time, want ~0.94", f)
	}
	hits = count(plainRandom, []candidate{{}, {}, {}, {}})
	for i, h := range hits {
		if f := float64(h) / n; f < 0.22 || f > 0.28 {
			t.Errorf("plainrandom picked %d %.3f of the time", i, f)
		}
	}
}
